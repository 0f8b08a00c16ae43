package collections

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/tempstore"
	"mediabank/internal/testkit"
)

// run drives one collection through the service, keeping its ETag.
type run struct {
	t    *testing.T
	svc  *Service
	clk  *testkit.Clock
	id   string
	etag string
	c    *Collection
}

func (r *run) after(min int) *run {
	r.clk.Advance(time.Duration(min) * time.Minute)
	return r
}

func (r *run) act(who Actor, a Action) {
	r.t.Helper()
	c, etag, err := r.svc.Act(context.Background(), who, r.id, r.etag, a)
	if err != nil {
		r.t.Fatalf("%s by %s: %v", a.Action, who.User, err)
	}
	r.c, r.etag = c, etag
}

func (r *run) patch(who Actor, p Patch) {
	r.t.Helper()
	c, etag, err := r.svc.Patch(context.Background(), who, r.id, r.etag, p)
	if err != nil {
		r.t.Fatalf("patch by %s: %v", who.User, err)
	}
	r.c, r.etag = c, etag
}

// refuse checks that an action fails with want and changes nothing.
func (r *run) refuse(who Actor, a Action, want error, msg string) {
	r.t.Helper()
	_, _, err := r.svc.Act(context.Background(), who, r.id, r.etag, a)
	if !errors.Is(err, want) || !strings.Contains(err.Error(), msg) {
		r.t.Fatalf("%s by %s: got %v, want %v with %q", a.Action, who.User, err, want, msg)
	}
	if _, etag, _ := r.svc.Get(context.Background(), r.id); etag != r.etag {
		r.t.Fatalf("refused %s changed the record", a.Action)
	}
}

func (r *run) refusePatch(who Actor, p Patch, want error, msg string) {
	r.t.Helper()
	_, _, err := r.svc.Patch(context.Background(), who, r.id, r.etag, p)
	if !errors.Is(err, want) || !strings.Contains(err.Error(), msg) {
		r.t.Fatalf("patch by %s: got %v, want %v with %q", who.User, err, want, msg)
	}
}

func newRun(t *testing.T, store assets.Store) *run {
	t.Helper()
	clk := testkit.NewClock(t0)
	svc := newService(t, store, clk)
	c, etag, err := svc.Create(context.Background(), head, Event{
		Title: "Upacara HUT RI ke-81", Agency: "Sekretariat Daerah", Place: "Lapangan Ahmad Yani",
		StartsAt: time.Date(2026, 8, 17, 9, 30, 0, 0, jakarta), EndsAt: time.Date(2026, 8, 17, 12, 0, 0, 0, jakarta),
		AgendaItem: "AG-0817-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &run{t: t, svc: svc, clk: clk, id: c.ID, etag: etag, c: c}
}

const (
	rev1 = "Tangerang - Upacara HUT RI ke-81 digelar di Lapangan Ahmad Yani.\nRibuan warga hadir.\nWali Kota memimpin upacara."
	rev2 = "Tangerang - Upacara HUT RI ke-81 digelar di Lapangan Ahmad Yani.\nRibuan warga dan pelajar hadir.\nWali Kota memimpin upacara."
	rev3 = rev2 + "\n\"Mari kita isi kemerdekaan,\" kata Wali Kota."
)

func TestCoverageEndToEnd(t *testing.T) {
	ctx := context.Background()
	r := newRun(t, tempstore.New(t))
	a1, a2, a3 := assetID("DSC_0001.NEF"), assetID("DSC_0002.JPG"), assetID("MVI_0003.MP4")
	if !strings.HasPrefix(r.id, "lip-20260817-") || r.c.State != Created {
		t.Fatalf("created %s in %s, want lip-20260817-… in created", r.id, r.c.State)
	}

	r.after(5).act(head, Action{Action: ActOrder, Note: "Disposisi: liput upacara HUT RI"})
	r.refuse(budi, Action{Action: ActAssign}, ErrForbidden, `role "staff" may not collection.assign`)
	r.after(12).act(coord, Action{Action: ActProposeStaff, Staff: []Assignee{
		{"budi", TaskPhoto}, {"sari", TaskVideo}, {"rina", TaskReporting}}})
	r.after(3).act(head, Action{Action: ActAssign})
	r.after(4).refuse(budi, Action{Action: ActEquipmentReady}, ErrNotAllowed,
		"cannot equipment_ready: checklist not done: camera, video camera, recorder, notes, supporting documents")
	var ticks []CheckEdit
	for _, it := range DefaultChecklist() {
		ticks = append(ticks, CheckEdit{Item: it.Item, Done: true})
	}
	r.refusePatch(tono, Patch{Checklist: ticks}, ErrForbidden, "only the staff assigned")
	r.patch(budi, Patch{Checklist: ticks})
	r.after(4).act(budi, Action{Action: ActEquipmentReady})
	r.refuse(tono, Action{Action: ActStartCoverage}, ErrForbidden, "only the staff assigned")
	r.refuse(head, Action{Action: ActSubmitDraft}, ErrForbidden, "may not")
	r.after(62).act(budi, Action{Action: ActStartCoverage})
	r.after(200).act(sari, Action{Action: ActMaterialGathered, Note: "3 kartu"})

	// The cards arrive through ingest --collection; a second card repeats a file.
	if err := r.svc.AddMaterial(ctx, r.id, a1, a2); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.AddMaterial(ctx, r.id, a2, a3); err != nil {
		t.Fatal(err)
	}
	_, r.etag, _ = r.svc.Get(ctx, r.id)

	r.after(45).act(rina, Action{Action: ActStartDrafting})
	r.after(30).patch(rina, Patch{Picks: &[]string{a2, a1}, Cover: ptr(a2), Narrative: ptr(rev1)})
	r.refusePatch(rina, Patch{Cover: ptr(a3)}, ErrInvalid, "not one of the picks")
	r.refusePatch(rina, Patch{RemoveMaterial: []string{a1}}, ErrInvalid, "not in the material")
	r.after(20).act(rina, Action{Action: ActSubmitDraft})
	r.after(15).patch(editor, Patch{Narrative: ptr(strings.ReplaceAll(rev2, "\n", "\r\n"))})
	r.after(10).act(editor, Action{Action: ActSubmitReview})
	r.refusePatch(editor, Patch{Narrative: ptr("x")}, ErrNotAllowed, "cannot edit the narrative: collection is in in_review")

	r.after(25).refuse(coord, Action{Action: ActReturn, To: Editing}, ErrInvalid, "needs a note")
	r.act(coord, Action{Action: ActReturn, To: Editing, Note: "Tambahkan kutipan Wali Kota"})
	r.after(10).patch(editor, Patch{Narrative: ptr(rev3)})
	r.after(5).act(editor, Action{Action: ActSubmitReview})
	r.refuse(editor, Action{Action: ActApprove}, ErrForbidden, "only when the collection delegates approval")
	r.refuse(budi, Action{Action: ActPublish, Channel: ChannelWebsite, URL: "https://tangerangkota.go.id/x"},
		ErrNotAllowed, "cannot publish: collection is in in_review")
	r.after(20).act(head, Action{Action: ActApprove, Note: "Layak terbit"})

	r.after(10).act(budi, Action{Action: ActPublish, Channel: ChannelWebsite, URL: "https://tangerangkota.go.id/berita/hut-ri-81"})
	r.after(5).act(sari, Action{Action: ActPublish, Channel: ChannelYouTube, URL: "https://www.youtube.com/watch?v=hut81", Assets: []string{a3}})
	r.refuse(sari, Action{Action: ActPublish, Channel: ChannelYouTube, URL: "https://www.youtube.com/watch?v=hut81", Assets: []string{a3}},
		ErrNotAllowed, "already published on youtube")
	r.after(5).act(budi, Action{Action: ActPublish, Channel: ChannelInstagram, URL: "https://www.instagram.com/p/hut81/"})
	r.after(15).act(budi, Action{Action: ActArchive})

	// After the archive the record is locked.
	r.refusePatch(rina, Patch{Picks: &[]string{a1}}, ErrNotAllowed, "cannot edit: collection is archived")
	r.refusePatch(admin, Patch{Narrative: ptr("x")}, ErrNotAllowed, "collection is archived")
	r.refuse(budi, Action{Action: ActPublish, Channel: ChannelX, URL: "https://x.com/kotatangerang/1"},
		ErrNotAllowed, "cannot publish: collection is in archived")

	c, etag, err := r.svc.Get(ctx, r.id)
	if err != nil || etag != r.etag {
		t.Fatalf("Get = %v, etag %s; want the last write's etag %s", err, etag, r.etag)
	}
	if c.State != Archived || c.Archive == nil || c.Archive.By != "budi" {
		t.Errorf("state %s, archive %+v; want archived by budi", c.State, c.Archive)
	}
	if got, want := c.Material, []string{a1, a2, a3}; !slices.Equal(got, want) {
		t.Errorf("material = %v, want %v", got, want)
	}
	if got, want := c.Picks, []string{a2, a1}; !slices.Equal(got, want) || c.Cover != a2 {
		t.Errorf("picks = %v cover %s, want %v cover %s", got, c.Cover, want, a2)
	}
	var assigned []string
	for _, m := range c.AssignedStaff {
		assigned = append(assigned, m.User+":"+m.Task+":"+m.By)
	}
	if want := []string{"budi:photo:hadi", "sari:video:hadi", "rina:reporting:hadi"}; !slices.Equal(assigned, want) {
		t.Errorf("assigned = %v, want %v", assigned, want)
	}
	for _, it := range c.Checklist {
		if !it.Done || it.By != "budi" || !it.At.Equal(t0.Add(24*time.Minute)) {
			t.Errorf("checklist item %+v, want done by budi at 08:24", it)
		}
	}
	if c.Order == nil || c.Order.By != "hadi" || c.Order.Note != "Disposisi: liput upacara HUT RI" {
		t.Errorf("order = %+v", c.Order)
	}

	// Narrative: three revisions, CRLF normalised, diff between 1 and 2.
	var revs []string
	for _, rv := range c.Narrative.Revisions {
		revs = append(revs, rv.By)
	}
	if want := []string{"rina", "dewi", "dewi"}; !slices.Equal(revs, want) || c.Narrative.Text != rev3 {
		t.Errorf("revisions by %v, text %q; want %v and rev3", revs, c.Narrative.Text, want)
	}
	diff, err := c.Narrative.Diff(1, 2)
	wantDiff := " Tangerang - Upacara HUT RI ke-81 digelar di Lapangan Ahmad Yani.\n" +
		"-Ribuan warga hadir.\n+Ribuan warga dan pelajar hadir.\n Wali Kota memimpin upacara.\n"
	if err != nil || diff != wantDiff {
		t.Errorf("Diff(1, 2) = %q, %v; want %q", diff, err, wantDiff)
	}
	if _, err := c.Narrative.Diff(0, 4); !errors.Is(err, ErrInvalid) {
		t.Errorf("Diff(0, 4) error = %v, want ErrInvalid", err)
	}

	wantReviews := []Review{
		{Decision: DecisionReturn, By: "agus", At: t0.Add(435 * time.Minute), Note: "Tambahkan kutipan Wali Kota", ToState: Editing},
		{Decision: DecisionApprove, By: "hadi", At: t0.Add(470 * time.Minute), Note: "Layak terbit", ToState: Approved},
	}
	if len(c.Reviews) != len(wantReviews) {
		t.Fatalf("reviews = %+v, want %+v", c.Reviews, wantReviews)
	}
	for i, w := range wantReviews {
		g := c.Reviews[i]
		if g.Decision != w.Decision || g.By != w.By || !g.At.Equal(w.At) || g.Note != w.Note || g.ToState != w.ToState {
			t.Errorf("review %d = %+v, want %+v", i, g, w)
		}
	}
	var pubs []string
	for _, p := range c.Publications {
		pubs = append(pubs, p.Channel+" "+p.By+" "+strings.Join(p.Assets, ","))
	}
	if want := []string{"website budi " + a2 + "," + a1, "youtube sari " + a3, "instagram budi " + a2 + "," + a1}; !slices.Equal(pubs, want) {
		t.Errorf("publications = %v, want %v", pubs, want)
	}

	// History: every step with its SOP number, minutes from 08:00, who.
	type entry struct {
		span            string
		state           State
		start, end      int
		started, ended  string
		endedWith, note string
	}
	want := []entry{
		{"1", Created, 0, 5, "hadi", "hadi", ActOrder, "Disposisi: liput upacara HUT RI"},
		{"2", Ordered, 5, 17, "hadi", "agus", ActProposeStaff, ""},
		{"3", StaffProposed, 17, 20, "agus", "hadi", ActAssign, ""},
		{"4", Assigned, 20, 28, "hadi", "budi", ActEquipmentReady, ""},
		{"0", EquipmentReady, 28, 90, "budi", "budi", ActStartCoverage, ""},
		{"5", InCoverage, 90, 290, "budi", "sari", ActMaterialGathered, "3 kartu"},
		{"6-7", MaterialGathered, 290, 335, "sari", "rina", ActStartDrafting, ""},
		{"8", Drafting, 335, 385, "rina", "rina", ActSubmitDraft, ""},
		{"9", Editing, 385, 410, "rina", "dewi", ActSubmitReview, ""},
		{"10", InReview, 410, 435, "dewi", "agus", ActReturn, "Tambahkan kutipan Wali Kota"},
		{"9", Editing, 435, 450, "agus", "dewi", ActSubmitReview, ""},
		{"10", InReview, 450, 470, "dewi", "hadi", ActApprove, "Layak terbit"},
		{"11", Approved, 470, 480, "hadi", "budi", ActPublish, ""},
		{"12", Published, 480, 505, "budi", "budi", ActArchive, ""},
	}
	if len(c.History) != len(want) {
		t.Fatalf("history has %d entries, want %d: %+v", len(c.History), len(want), c.History)
	}
	for i, w := range want {
		h := c.History[i]
		if h.End == nil {
			t.Errorf("history %d (%s) still open", i, h.State)
			continue
		}
		got := entry{h.Label(), h.State, int(h.Start.Sub(t0).Minutes()), int(h.End.Sub(t0).Minutes()),
			h.StartedBy, h.EndedBy, h.EndedWith, h.Note}
		if got != w {
			t.Errorf("history %d = %+v, want %+v", i, got, w)
		}
	}

	// The SLA report over this coverage (one collection: median = p90 = its time).
	rep, err := r.svc.SLA(ctx, t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantMinutes := map[string]float64{"1": 5, "2": 12, "3": 3, "4": 8, "5": 200, "6-7": 45, "8": 50, "9": 40, "10": 45, "11": 10, "12": 25}
	for _, s := range rep.Steps {
		within := 0.0
		if wantMinutes[s.Label()] <= s.StandardMinutes {
			within = 1
		}
		if s.Count != 1 || s.MedianMinutes != wantMinutes[s.Label()] || s.P90Minutes != wantMinutes[s.Label()] || s.WithinStandard != within {
			t.Errorf("step %s: %+v, want 1 at %v min, within %v", s.Label(), s, wantMinutes[s.Label()], within)
		}
	}
	if len(rep.Overdue) != 0 {
		t.Errorf("overdue = %+v, want none for an archived collection", rep.Overdue)
	}

	// People read the bucket too: the event sits at the top of the record.
	rd, _, err := r.svc.store.Get(ctx, Key(r.id))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	raw, _ := io.ReadAll(rd)
	var top map[string]any
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	if top["title"] != "Upacara HUT RI ke-81" || top["starts_at"] != "2026-08-17T09:30:00+07:00" || top["state"] != "archived" {
		t.Errorf("record top level: title %v, starts_at %v, state %v", top["title"], top["starts_at"], top["state"])
	}
}

// TestConfiguredZone: the zone given to the service (MEDIABANK_TZ, passed
// in by cmd/mediabank) dates collection ids, and the one given to the
// decoders reads times without an offset; neither is fixed to WIB.
func TestConfiguredZone(t *testing.T) {
	// 20:00 UTC on the 16th is the 17th in Jakarta, still the 16th in
	// New York (UTC-4 in August).
	at := time.Date(2026, 8, 16, 20, 0, 0, 0, time.UTC)
	newYork := time.FixedZone("EDT", -4*60*60)
	tests := []struct {
		name     string
		zone     *time.Location
		wantDate string
	}{
		{"office default", nil, "lip-20260817-"},
		{"configured", newYork, "lip-20260816-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := New(Config{Store: tempstore.New(t), Policy: sopPolicy, Clock: func() time.Time { return at }, Zone: tc.zone})
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := svc.Create(t.Context(), head, Event{Title: "Rapat paripurna"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.ID, tc.wantDate) {
				t.Errorf("id %s, want %s…", c.ID, tc.wantDate)
			}
		})
	}
	ev, err := DecodeEvent([]byte(`{"title":"Rapat","starts_at":"2026-08-17T09:00"}`), newYork)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 8, 17, 13, 0, 0, 0, time.UTC); !ev.StartsAt.Equal(want) {
		t.Errorf("starts_at %v, want %v (09:00 in New York)", ev.StartsAt, want)
	}
}
