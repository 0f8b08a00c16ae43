package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/filing"
	"mediabank/search"
)

type historyRow struct {
	collections.Step
	Standard time.Duration
	Actual   time.Duration
	SLA      string
}

type materialTile struct {
	ID            string
	Alt, Name     string
	Kind          assets.Kind
	Width, Height int
	Pick, Cover   bool
	// rec is the record the tile was made from (nil if unreadable).
	rec *assets.Asset
}

type collectionData struct {
	C        *collections.Collection
	ETag     string
	Actions  []string
	Main     []string // the forward actions among Actions
	Minor    []string // postpone and cancel, out of the way
	SLA      string
	Due      time.Time
	History  []historyRow
	Material []materialTile
	// Picks are the selected material in its order, the cover among them.
	Picks []materialTile
	// Revisions of the narrative, newest first.
	Revisions []collections.Revision
	Users     []auth.User
	// What the page lets this user change, as the workflow answers.
	CanEdit, CanNarrative, CanChecklist, CanUpload bool
	// WroteNarrative explains why approve is missing for its author.
	WroteNarrative bool
	Tasks          []string
	Channels       []string
	Publish        *publishPanel
	// Exports of the coverage, newest first, shown beside its publications.
	Exports []collections.Export
}

func (s *site) collectionPage(c *gin.Context, v *view) error {
	ctx := c.Request.Context()
	col, etag, err := s.Collections.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	now := s.Now()
	std := s.Collections.Standards()
	// The workflow says what this user may do next; the page only lays
	// it out.
	opts := s.Collections.Options(col, actor(v.User))
	d := collectionData{C: col, ETag: etag, Actions: opts.Allowed(), Tasks: opts.Tasks, Channels: opts.Channels,
		CanEdit: opts.May.Edit.Allowed, CanNarrative: opts.May.EditNarrative.Allowed, CanChecklist: opts.May.Checklist.Allowed,
		// Uploading also takes the role's right to upload at all.
		CanUpload:      opts.May.AddMaterial.Allowed && v.May(auth.ActionUpload),
		WroteNarrative: opts.RefusedFor(collections.ActApprove, collections.RefusedOwnNarrative)}
	for _, a := range d.Actions {
		if a == collections.ActCancel || a == collections.ActPostpone {
			d.Minor = append(d.Minor, a)
		} else {
			d.Main = append(d.Main, a)
		}
	}
	var limit time.Duration
	var since time.Time
	d.SLA, since, limit = slaState(col, now, std)
	if !since.IsZero() {
		d.Due = since.Add(limit)
	}
	d.History = historyRows(col, now, std)

	d.Material = s.materialTiles(ctx, col)
	d.Revisions = slices.Clone(col.Narrative.Revisions)
	slices.Reverse(d.Revisions)
	for _, id := range col.Picks {
		if i := slices.IndexFunc(d.Material, func(t materialTile) bool { return t.ID == id }); i >= 0 {
			d.Picks = append(d.Picks, d.Material[i])
		}
	}
	if slices.Contains(d.Actions, collections.ActProposeStaff) || slices.Contains(d.Actions, collections.ActAssign) {
		us, err := s.Users.List(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			if collections.MayBeStaff(u.Role, u.Disabled) {
				d.Users = append(d.Users, u)
			}
		}
	}
	if d.Publish, err = s.publishPanel(ctx, col, v, d.Picks, slices.Contains(d.Actions, collections.ActPublish)); err != nil {
		return err
	}
	d.Exports = slices.Clone(col.Exports)
	slices.Reverse(d.Exports)
	v.Title, v.Nav, v.Data = col.Title, "collections", d
	s.render(c, http.StatusOK, "collection", v)
	return nil
}

type collectionRow struct {
	*collections.Collection
	SLA string
}

func (s *site) collectionsPage(c *gin.Context, v *view) error {
	// q means what it means in the API: the index's words and fields.
	cols, _, err := filing.Find(c.Request.Context(), s.Index, s.Collections, c.Query("q"), 1, search.MaxSize)
	if err != nil {
		return err
	}
	now, std := s.Now(), s.Collections.Standards()
	var rows []collectionRow
	for _, col := range cols {
		st, _, _ := slaState(col, now, std)
		rows = append(rows, collectionRow{col, st})
	}
	slices.SortFunc(rows, func(a, b collectionRow) int {
		if c := b.StartsAt.Compare(a.StartsAt); c != 0 {
			return c
		}
		return b.CreatedAt.Compare(a.CreatedAt)
	})
	v.Title, v.Nav = s.cat.text(v.Lang, "nav.collections"), "collections"
	v.Data = struct {
		Q    string
		Rows []collectionRow
	}{c.Query("q"), rows}
	s.render(c, http.StatusOK, "collections", v)
	return nil
}

// historyRows are the steps of col with their times against the standard.
func historyRows(col *collections.Collection, now time.Time, std collections.Standards) []historyRow {
	var out []historyRow
	for _, st := range col.Timed(now, std) {
		r := historyRow{Step: st.Step, Standard: st.Standard, Actual: st.Actual, SLA: slaOnTime}
		switch {
		case st.Span.Step == 0:
			r.SLA = slaWaiting
		case st.Overdue:
			r.SLA = slaOverdue
		}
		out = append(out, r)
	}
	return out
}

// materialTiles are col's material as the page shows it, from the records.
func (s *site) materialTiles(ctx context.Context, col *collections.Collection) []materialTile {
	var out []materialTile
	hits := make([]search.Hit, len(col.Material))
	for i, id := range col.Material {
		hits[i] = search.Hit{ID: id}
	}
	recs := s.records(ctx, hits)
	for i, id := range col.Material {
		t := materialTile{ID: id, Alt: id[:12], Name: id[:12], Width: 320, Height: 240, Pick: slices.Contains(col.Picks, id), Cover: col.Cover == id}
		if a := recs[i]; a != nil {
			t.rec = a
			m := a.Effective()
			t.Name, t.Alt, t.Kind = a.FileName, a.FileName, m.Kind
			if strings.TrimSpace(m.Caption) != "" {
				t.Alt = m.Caption
			}
			if r, ok := a.Renditions[assets.Thumbnail]; ok && r.Width > 0 && r.Height > 0 {
				t.Width, t.Height = r.Width, r.Height
			}
		}
		out = append(out, t)
	}
	return out
}
