package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

// forward are the workflow actions that move a collection on from each
// state, in the order the page offers them. The collections package keeps
// its transition table to itself; this mirrors it only to decide which
// buttons to show. The server decides: a button shown wrongly gets a
// refusal, never a wrong transition.
var forward = map[collections.State][]string{
	collections.Created:          {collections.ActOrder},
	collections.Ordered:          {collections.ActProposeStaff},
	collections.StaffProposed:    {collections.ActAssign},
	collections.Assigned:         {collections.ActEquipmentReady},
	collections.EquipmentReady:   {collections.ActStartCoverage},
	collections.InCoverage:       {collections.ActMaterialGathered},
	collections.MaterialGathered: {collections.ActStartDrafting},
	collections.Drafting:         {collections.ActSubmitDraft},
	collections.Editing:          {collections.ActSubmitReview},
	collections.InReview:         {collections.ActApprove, collections.ActReturn},
	collections.Approved:         {collections.ActPublish},
	collections.Published:        {collections.ActPublish, collections.ActArchive},
	collections.Postponed:        {collections.ActResume},
}

// staffSteps may be taken only by the staff assigned to the collection (or
// an admin), whatever the role table says.
var staffSteps = []string{collections.ActEquipmentReady, collections.ActStartCoverage, collections.ActMaterialGathered,
	collections.ActPublish, collections.ActArchive}

// offered lists the actions col's page offers u: those the state allows,
// the policy grants and the record's own rules (assigned staff, delegated
// approval, no approving one's own narrative) do not refuse.
func offered(pol auth.Policy, col *collections.Collection, u *auth.User) []string {
	var acts []string
	acts = append(acts, forward[col.State]...)
	if col.State != collections.Archived && col.State != collections.Cancelled {
		if col.State != collections.Published && col.State != collections.Postponed {
			acts = append(acts, collections.ActPostpone)
		}
		acts = append(acts, collections.ActCancel)
	}
	assigned := slices.ContainsFunc(col.AssignedStaff, func(m collections.StaffMember) bool { return m.User == u.Name })
	var out []string
	for _, a := range acts {
		switch pol.Decide(u.Role, collections.PolicyAction(a)) {
		case auth.Allow:
		case auth.AllowIfDelegated:
			if col.ApprovalDelegatedTo != u.Name {
				continue
			}
		default:
			continue
		}
		if u.Role != auth.RoleAdmin && !assigned && (slices.Contains(staffSteps, a) || u.Role == auth.RoleStaff) {
			continue
		}
		if a == collections.ActApprove && slices.ContainsFunc(col.Narrative.Revisions, func(r collections.Revision) bool { return r.By == u.Name }) {
			continue
		}
		out = append(out, a)
	}
	return out
}

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
	// What the page lets this user change.
	CanEdit, CanNarrative, CanChecklist, CanUpload bool
	// WroteNarrative explains why approve is missing for its author.
	WroteNarrative bool
	Tasks          []string
	Channels       []string
	Publish        *publishPanel
}

// narrativeOpen says whether the narrative may be edited in state st.
func narrativeOpen(st collections.State) bool {
	return !slices.Contains([]collections.State{collections.InReview, collections.Approved, collections.Published,
		collections.Archived, collections.Cancelled}, st)
}

func (s *site) collectionPage(c *gin.Context, v *view) error {
	ctx := c.Request.Context()
	col, etag, err := s.Collections.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	now := s.Now()
	std := s.Collections.Standards()
	d := collectionData{C: col, ETag: etag, Actions: offered(s.Policy, col, v.User),
		Tasks:    []string{collections.TaskPhoto, collections.TaskVideo, collections.TaskReporting, collections.TaskWriting},
		Channels: []string{collections.ChannelWebsite, collections.ChannelYouTube, collections.ChannelInstagram, collections.ChannelFacebook, collections.ChannelX}}
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
	for _, st := range col.History {
		end := now
		if st.End != nil {
			end = *st.End
		}
		r := historyRow{Step: st, Standard: std.Of(st.Span), Actual: end.Sub(st.Start), SLA: slaWaiting}
		if st.Step > 0 {
			r.SLA = slaOnTime
			if r.Actual > r.Standard {
				r.SLA = slaOverdue
			}
		}
		d.History = append(d.History, r)
	}
	open := col.State != collections.Archived && col.State != collections.Cancelled
	assigned := slices.ContainsFunc(col.AssignedStaff, func(m collections.StaffMember) bool { return m.User == v.User.Name })
	staffOK := v.User.Role != auth.RoleStaff || assigned
	d.CanEdit = open && v.May(auth.ActionCollectionEdit) && staffOK
	d.CanNarrative = d.CanEdit && narrativeOpen(col.State)
	d.CanChecklist = open && v.May(auth.ActionEquipmentReady) && (v.User.Role == auth.RoleAdmin || assigned)
	d.CanUpload = open && v.May(auth.ActionUpload)
	d.WroteNarrative = col.State == collections.InReview && slices.ContainsFunc(col.Narrative.Revisions, func(r collections.Revision) bool { return r.By == v.User.Name })

	hits := make([]search.Hit, len(col.Material))
	for i, id := range col.Material {
		hits[i] = search.Hit{ID: id}
	}
	recs := s.records(ctx, hits)
	for i, id := range col.Material {
		t := materialTile{ID: id, Alt: id[:12], Name: id[:12], Width: 320, Height: 240, Pick: slices.Contains(col.Picks, id), Cover: col.Cover == id}
		if a := recs[i]; a != nil {
			m := a.Effective()
			t.Name, t.Alt, t.Kind = a.FileName, a.FileName, m.Kind
			if strings.TrimSpace(m.Caption) != "" {
				t.Alt = m.Caption
			}
			if r, ok := a.Renditions[assets.Thumbnail]; ok && r.Width > 0 && r.Height > 0 {
				t.Width, t.Height = r.Width, r.Height
			}
		}
		d.Material = append(d.Material, t)
	}
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
			if !u.Disabled && u.Role != auth.RoleViewer {
				d.Users = append(d.Users, u)
			}
		}
	}
	if d.Publish, err = s.publishPanel(ctx, col, v); err != nil {
		return err
	}
	v.Title, v.Nav, v.Data = col.Title, "collections", d
	s.render(c, http.StatusOK, "collection", v)
	return nil
}

type collectionRow struct {
	*collections.Collection
	SLA string
}

func (s *site) collectionsPage(c *gin.Context, v *view) error {
	cols, err := s.Collections.List(c.Request.Context())
	if err != nil {
		return err
	}
	q := strings.ToLower(strings.TrimSpace(c.Query("q")))
	now, std := s.Now(), s.Collections.Standards()
	var rows []collectionRow
	for _, col := range cols {
		hay := strings.ToLower(col.ID + " " + col.Title + " " + col.Agency + " " + col.Place + " " + string(col.State))
		if q != "" && !strings.Contains(hay, q) {
			continue
		}
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
