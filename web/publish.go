package web

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/shares"
)

// publishPanel is the coverage page's *Publikasi* panel: the channels to
// export the picks for, each pick with the frame the chosen channel
// posts, the publication record to fill in after an export, and the
// coverage's share links. Nil when the coverage may not go out yet or
// the user may do neither.
type publishPanel struct {
	Channels  []channelChoice
	CanExport bool
	CanShare  bool
	// CanCrop: the user may set the picks' crops (asset.edit).
	CanCrop bool
	Picks   []cropPick
	// Record: the workflow offers this user publish now, so the panel
	// holds the form that records it; RecordChannel is preselected there,
	// the publication channel of the last export.
	Record        bool
	RecordChannel string
	Shares        []shareRow
	// ShareUntil is the default expiry offered: a week from now.
	ShareUntil time.Time
}

// channelChoice is a preset as the panel's select offers it, with the
// aspect its crops are keyed by ("" when it does not crop).
type channelChoice struct {
	channels.Preset
	Aspect string
}

// cropPick is a pick with the frame each channel posts of it, as JSON
// for the page's script: {"instagram_feed": {"x":…,"y":…,"w":…,"h":…}}.
type cropPick struct {
	materialTile
	Frames string
}

type shareRow struct {
	shares.Share
	Live bool
}

func (s *site) publishPanel(ctx context.Context, col *collections.Collection, v *view, picks []materialTile, publish bool) (*publishPanel, error) {
	p := &publishPanel{CanExport: v.May(auth.ActionExport), CanShare: v.May(auth.ActionShare) && s.Shares != nil,
		CanCrop: v.May(auth.ActionAssetEdit), Record: publish, ShareUntil: s.Now().In(s.Zone).Add(7 * 24 * time.Hour)}
	if col.Exportable("export") != nil || !p.CanExport && !p.CanShare || len(col.Picks) == 0 {
		return nil, nil
	}
	presets := s.Channels.List()
	for _, c := range presets {
		ch := channelChoice{Preset: c}
		if a, ok := c.Aspect(); ok {
			ch.Aspect = a.String()
		}
		p.Channels = append(p.Channels, ch)
	}
	for _, t := range picks {
		cp, err := pickFrames(t, presets)
		if err != nil {
			return nil, err
		}
		p.Picks = append(p.Picks, cp)
	}
	if n := len(col.Exports); n > 0 {
		if c, err := s.Channels.Get(col.Exports[n-1].Channel); err == nil {
			p.RecordChannel = c.Publication
		}
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

// pickFrames is t with the frame of each preset on its upright picture.
func pickFrames(t materialTile, presets []channels.Preset) (cropPick, error) {
	cp := cropPick{materialTile: t}
	a := t.rec
	if a == nil {
		a = &assets.Asset{ID: t.ID}
	}
	frames := map[string]assets.Rect{}
	for _, c := range presets {
		frames[c.Name] = c.Frame(a)
	}
	b, err := json.Marshal(frames)
	if err != nil {
		return cp, fmt.Errorf("frames of %s: %w", t.ID, err)
	}
	cp.Frames = string(b)
	return cp, nil
}
