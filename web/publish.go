package web

import (
	"context"
	"time"

	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/shares"
)

// publishPanel is the coverage page's *Publikasi* panel: the channels to
// export the picks for, and the coverage's share links. Nil when the
// coverage may not go out yet or the user may do neither.
type publishPanel struct {
	Channels  []channels.Preset
	CanExport bool
	CanShare  bool
	Shares    []shareRow
	// ShareUntil is the default expiry offered: a week from now.
	ShareUntil time.Time
}

type shareRow struct {
	shares.Share
	Live bool
}

func (s *site) publishPanel(ctx context.Context, col *collections.Collection, v *view) (*publishPanel, error) {
	p := &publishPanel{CanExport: v.May(auth.ActionExport), CanShare: v.May(auth.ActionShare) && s.Shares != nil,
		Channels: s.Channels.List(), ShareUntil: s.Now().In(s.Zone).Add(7 * 24 * time.Hour)}
	if col.Exportable("export") != nil || !p.CanExport && !p.CanShare || len(col.Picks) == 0 {
		return nil, nil
	}
	if s.Shares != nil {
		list, err := s.Shares.List(ctx, col.ID)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		for _, sh := range list {
			p.Shares = append(p.Shares, shareRow{Share: sh, Live: sh.Live(now) == nil})
		}
	}
	return p, nil
}
