package collections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/s3store"
	"mediabank/assets/storetest"

	"mediabank/auth"
	"mediabank/internal/tempstore"
	"mediabank/internal/testkit"
)

// toReview drives a fresh collection to in_review with rina writing the
// narrative and dewi editing it.
func toReview(t *testing.T, r *run) {
	t.Helper()
	r.act(head, Action{Action: ActOrder})
	r.act(coord, Action{Action: ActProposeStaff, Staff: []Assignee{{"rina", TaskReporting}, {"budi", TaskPhoto}}})
	r.act(head, Action{Action: ActAssign})
	var ticks []CheckEdit
	for _, it := range r.c.Checklist {
		ticks = append(ticks, CheckEdit{Item: it.Item, Done: true})
	}
	r.patch(budi, Patch{Checklist: ticks})
	r.act(budi, Action{Action: ActEquipmentReady})
	r.act(budi, Action{Action: ActStartCoverage})
	r.act(budi, Action{Action: ActMaterialGathered})
	r.act(rina, Action{Action: ActStartDrafting})
	r.patch(rina, Patch{Narrative: ptr(rev1)})
	r.act(rina, Action{Action: ActSubmitDraft})
	r.patch(editor, Patch{Narrative: ptr(rev2)})
	r.act(editor, Action{Action: ActSubmitReview})
}

func TestApprovalRules(t *testing.T) {
	t.Run("an author cannot approve", func(t *testing.T) {
		r := newRun(t, tempstore.New(t))
		toReview(t, r)
		// The coordinator wrote a revision while it was returned.
		r.act(coord, Action{Action: ActReturn, To: Editing, Note: "Perbaiki judul"})
		r.patch(coord, Patch{Narrative: ptr(rev3)})
		r.act(editor, Action{Action: ActSubmitReview})
		r.refuse(coord, Action{Action: ActApprove}, ErrForbidden, "agus wrote a revision of the narrative and cannot approve it")
		r.act(head, Action{Action: ActApprove})
	})
	t.Run("a delegated editor may approve, but not their own text", func(t *testing.T) {
		r := newRun(t, tempstore.New(t))
		toReview(t, r)
		r.refusePatch(editor, Patch{ApprovalDelegatedTo: ptr("dewi")}, ErrForbidden, "may not delegate approval")
		r.patch(head, Patch{ApprovalDelegatedTo: ptr("dewi")})
		r.refuse(editor, Action{Action: ActApprove}, ErrForbidden, "dewi wrote a revision")
		r.patch(head, Patch{ApprovalDelegatedTo: ptr("eko")})
		r.refuse(editor, Action{Action: ActApprove}, ErrForbidden, "delegates approval")
		r.act(Actor{"eko", auth.RoleEditor}, Action{Action: ActApprove})
		if r.c.State != Approved || r.c.Reviews[0].By != "eko" {
			t.Errorf("state %s, reviews %+v; want approved by eko", r.c.State, r.c.Reviews)
		}
	})
	t.Run("delegation with an action", func(t *testing.T) {
		r := newRun(t, tempstore.New(t))
		r.act(head, Action{Action: ActOrder, Delegate: "eko"})
		if r.c.ApprovalDelegatedTo != "eko" {
			t.Errorf("delegated to %q, want eko", r.c.ApprovalDelegatedTo)
		}
	})
}

func TestPostponeAndResume(t *testing.T) {
	r := newRun(t, tempstore.New(t))
	r.after(5).act(head, Action{Action: ActOrder})
	r.after(3).act(head, Action{Action: ActPostpone, Note: "Acara diundur"}) // the policy table lets the head postpone, not the coordinator
	r.refuse(coord, Action{Action: ActProposeStaff, Staff: []Assignee{{"budi", TaskPhoto}}}, ErrNotAllowed,
		"cannot propose_staff: collection is in postponed")
	r.after(60).act(head, Action{Action: ActResume})
	if r.c.State != Ordered || r.c.PostponedFrom != "" {
		t.Fatalf("resumed to %s (from %q), want ordered", r.c.State, r.c.PostponedFrom)
	}
	var got []string
	for _, h := range r.c.History {
		got = append(got, fmt.Sprintf("%s %s %v", h.Label(), h.State, h.End != nil))
	}
	if want := []string{"1 created true", "2 ordered true", "0 postponed true", "2 ordered false"}; !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	r.act(head, Action{Action: ActCancel, Note: "Acara batal"})
	if r.c.State != Cancelled || r.c.open() != nil {
		t.Errorf("state %s with open step %+v, want cancelled and nothing open", r.c.State, r.c.open())
	}
	if err := r.svc.AddMaterial(context.Background(), r.id, assetID("late")); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("AddMaterial to a cancelled collection: %v, want ErrNotAllowed", err)
	}
}

func TestPreconditions(t *testing.T) {
	ctx := context.Background()
	r := newRun(t, tempstore.New(t))
	stale := r.etag
	r.act(head, Action{Action: ActOrder})
	tests := []struct {
		name    string
		ifMatch string
		want    error
	}{
		{"stale", stale, ErrPrecondition},
		{"missing", "", ErrPreconditionRequired},
		{"made up", "nope", ErrPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.svc.Act(ctx, coord, r.id, tt.ifMatch, Action{Action: ActProposeStaff, Staff: []Assignee{{"budi", TaskPhoto}}})
			if !errors.Is(err, tt.want) {
				t.Errorf("Act with If-Match %q: %v, want %v", tt.ifMatch, err, tt.want)
			}
			_, _, err = r.svc.Patch(ctx, coord, r.id, tt.ifMatch, Patch{Place: ptr("Puspemkot")})
			if !errors.Is(err, tt.want) {
				t.Errorf("Patch with If-Match %q: %v, want %v", tt.ifMatch, err, tt.want)
			}
		})
	}
	// An If-Match header value arrives quoted.
	if _, _, err := r.svc.Patch(ctx, coord, r.id, `"`+r.etag+`"`, Patch{Place: ptr("Puspemkot")}); err != nil {
		t.Errorf("Patch with a quoted ETag: %v", err)
	}
}

func TestServiceErrors(t *testing.T) {
	ctx := context.Background()
	clk := testkit.NewClock(t0)
	svc := newService(t, tempstore.New(t), clk)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"get missing", func() error { _, _, err := svc.Get(ctx, "lip-20260817-000000"); return err }, ErrNotFound},
		{"get bad id", func() error { _, _, err := svc.Get(ctx, "../assets/x"); return err }, ErrInvalid},
		{"act missing", func() error {
			_, _, err := svc.Act(ctx, head, "lip-20260817-000000", "e", Action{Action: ActOrder})
			return err
		}, ErrNotFound},
		{"create by viewer", func() error { _, _, err := svc.Create(ctx, viewer, Event{Title: "x"}); return err }, ErrForbidden},
		{"create without title", func() error { _, _, err := svc.Create(ctx, head, Event{}); return err }, ErrInvalid},
		{"add material, bad id", func() error { return svc.AddMaterial(ctx, "lip-20260817-000000", "x") }, ErrInvalid},
		{"add material, missing", func() error { return svc.AddMaterial(ctx, "lip-20260817-000000", assetID("a")) }, ErrNotFound},
	}
	for _, tt := range tests {
		if err := tt.call(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := New(Config{Policy: sopPolicy}); err == nil {
		t.Error("New without a store: no error")
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	store := tempstore.New(t)
	clk := testkit.NewClock(t0)
	svc := newService(t, store, clk)
	var want []string
	for i := range 3 {
		c, _, err := svc.Create(ctx, head, Event{Title: fmt.Sprint("acara ", i), StartsAt: t0.AddDate(0, 0, i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	// A damaged record and an unrelated key are left out.
	damaged := "lip-20260101-badbad"
	if _, err := store.Put(ctx, Key(damaged), strings.NewReader("{"), 1, assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, Prefix+"README.txt", strings.NewReader("x"), 1, assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	cols, err := svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
}

// countingStore counts the objects read and the listings.
type countingStore struct {
	assets.Store
	gets, lists atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, key)
}

func (s *countingStore) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	s.lists.Add(1)
	return s.Store.List(ctx, prefix, fn)
}

// TestListFollowsWrites: List lists the store again only when a
// collection was written since it last did, through this service or
// another on the same store (another process), and reads again only the
// collections that changed; a record changed behind the services' back
// is seen once the listing is maxListAge old.
func TestListFollowsWrites(t *testing.T) {
	ctx := context.Background()
	disk := tempstore.New(t)
	clk := testkit.NewClock(t0)
	store := &countingStore{Store: disk}
	lister, other := newService(t, store, clk), newService(t, disk, clk)
	var ids []string
	for i := range 4 {
		c, _, err := other.Create(ctx, head, Event{Title: fmt.Sprint("acara ", i), StartsAt: t0.AddDate(0, 0, i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	titles := func() []string {
		t.Helper()
		cols, err := lister.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cols {
			out = append(out, c.ID+" "+c.Title)
		}
		return out
	}
	want := []string{ids[0] + " acara 0", ids[1] + " acara 1", ids[2] + " acara 2", ids[3] + " acara 3"}
	for _, step := range []struct {
		name                 string
		change               func() error
		wantLists, wantReads int64
	}{
		{"first list", func() error { return nil }, 1, 4},
		{"nothing changed", func() error { return nil }, 0, 0},
		{"one renamed", func() error {
			_, etag, err := other.Get(ctx, ids[1])
			if err != nil {
				return err
			}
			_, _, err = other.Patch(ctx, head, ids[1], etag, Patch{Title: ptr("acara baru")})
			want[1] = ids[1] + " acara baru"
			return err
		}, 1, 1},
		{"one created here", func() error {
			c, _, err := lister.Create(ctx, head, Event{Title: "acara 4", StartsAt: t0})
			if err == nil {
				want = slices.Insert(want, slices.IndexFunc(want, func(w string) bool { return w > c.ID }), c.ID+" acara 4")
			}
			return err
		}, 1, 1},
		{"one deleted by hand, a minute later", func() error {
			clk.Advance(maxListAge)
			want = slices.DeleteFunc(want, func(w string) bool { return strings.HasPrefix(w, ids[2]) })
			return disk.Delete(ctx, Key(ids[2]))
		}, 1, 0},
	} {
		if err := step.change(); err != nil {
			t.Fatal(err)
		}
		lists, reads := store.lists.Load(), store.gets.Load()
		if got := titles(); !slices.Equal(got, want) {
			t.Errorf("%s: List = %v, want %v", step.name, got, want)
		}
		if got := store.lists.Load() - lists; got != step.wantLists {
			t.Errorf("%s: %d listings, want %d", step.name, got, step.wantLists)
		}
		if got := store.gets.Load() - reads; got != step.wantReads {
			t.Errorf("%s: %d records read, want %d", step.name, got, step.wantReads)
		}
	}
}

// race has n coordinators propose at once on the same ETag: exactly one
// wins, the others get ErrPrecondition; then n uploads add material at
// once and all of it lands.
func race(t *testing.T, store assets.Store) {
	ctx := context.Background()
	r := newRun(t, store)
	r.act(head, Action{Action: ActOrder})
	const n = 8
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		won       []string
		otherwise []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			who := Actor{fmt.Sprint("koord", i), auth.RoleCoordinator}
			<-start
			_, _, err := r.svc.Act(ctx, who, r.id, r.etag, Action{Action: ActProposeStaff, Staff: []Assignee{{who.User, TaskPhoto}}})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won = append(won, who.User)
			} else if !errors.Is(err, ErrPrecondition) {
				otherwise = append(otherwise, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(won) != 1 || len(otherwise) != 0 {
		t.Fatalf("winners %v, other errors %v; want exactly one winner and only precondition errors", won, otherwise)
	}
	c, _, err := r.svc.Get(ctx, r.id)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != StaffProposed || len(c.ProposedStaff) != 1 || c.ProposedStaff[0].User != won[0] {
		t.Errorf("record: %s, proposed %+v; want the winner %s", c.State, c.ProposedStaff, won[0])
	}

	// The store itself refuses a write on a stale ETag, whoever checked before.
	stale := *c
	if _, err := r.svc.write(ctx, &stale, assets.PutOptions{IfMatch: r.etag}); !errors.Is(err, ErrPrecondition) {
		t.Errorf("write on the stale ETag: %v, want ErrPrecondition", err)
	}

	var want []string
	errs := make(chan error, n)
	for i := range n {
		id := assetID(fmt.Sprint("card", i))
		want = append(want, id)
		wg.Go(func() { errs <- r.svc.AddMaterial(ctx, r.id, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("AddMaterial: %v", err)
		}
	}
	c, _, err = r.svc.Get(ctx, r.id)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(c.Material)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("material after concurrent adds: %d ids, want all %d", len(got), len(want))
	}
}

func TestConcurrentWritesDisk(t *testing.T) { race(t, tempstore.New(t)) }

func TestConcurrentWritesMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a MinIO server")
	}
	m := storetest.StartMinIO(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, Bucket: "mediabank", AccessKey: m.AccessKey, SecretKey: m.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	race(t, store)
}

func TestServiceAssignments(t *testing.T) {
	ctx := context.Background()
	r := newRun(t, tempstore.New(t))
	if r.svc.Standards() != DefaultStandards() {
		t.Errorf("standards = %v, want the defaults when none are given", r.svc.Standards())
	}
	r.after(5).act(head, Action{Action: ActOrder})
	r.after(11) // step 2 (10 min) is now 1 min late
	got, err := r.svc.Assignments(ctx, coord)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Collection != r.id || !got[0].ActsNext || got[0].Step != 2 || got[0].Overdue == nil ||
		!near(got[0].Overdue.LateMinutes, 1) {
		t.Errorf("coordinator's assignments = %+v, want %s, acting next on step 2, 1 min late", got, r.id)
	}
	if got, err := r.svc.Assignments(ctx, budi); err != nil || len(got) != 0 {
		t.Errorf("budi's assignments = %+v, %v; want none", got, err)
	}
}

func TestEditChecklist(t *testing.T) {
	list := []CheckItem{{Item: "camera"}, {Item: "recorder", Done: true, By: "sari", At: at(1)}}
	got := editChecklist(list, []CheckEdit{
		{Item: "camera", Done: true},
		{Item: "recorder", Done: true}, // unchanged: keeps who ticked it
		{Item: " zoom lens ", Done: false},
		{Item: "tripod", Remove: true}, // not there: nothing to remove
	}, budi, at(5))
	want := []CheckItem{{Item: "camera", Done: true, By: "budi", At: at(5)}, list[1], {Item: "zoom lens", By: "budi", At: at(5)}}
	if len(got) != len(want) {
		t.Fatalf("checklist = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Item != want[i].Item || got[i].Done != want[i].Done || got[i].By != want[i].By || !got[i].At.Equal(want[i].At) {
			t.Errorf("item %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	got = editChecklist(got, []CheckEdit{{Item: "camera", Remove: true}, {Item: "camera", Done: false}}, budi, at(6))
	if len(got) != 3 || got[2].Item != "camera" || got[2].Done {
		t.Errorf("remove then re-add camera: %+v", got)
	}
	if list[0].Done {
		t.Error("editChecklist changed its input")
	}
}

// TestNarrativeLockedAfterApproval: an approval covers the text that is
// published. Once approved the narrative cannot change, not even while the
// coverage is postponed from approved (issue 10 #4): approve → postpone →
// PATCH narrative is refused with the reason, and resume finds the text
// the reviewer approved.
func TestNarrativeLockedAfterApproval(t *testing.T) {
	for _, from := range []State{InReview, Approved} {
		t.Run(string(from), func(t *testing.T) {
			r := newRun(t, tempstore.New(t))
			toReview(t, r)
			if from == Approved {
				r.act(head, Action{Action: ActApprove})
			}
			approved := r.c.Narrative.Text
			r.act(head, Action{Action: ActPostpone, Note: "Tunda"})
			r.refusePatch(rina, Patch{Narrative: ptr("Teks yang belum ditinjau.\n")}, ErrNotAllowed,
				"cannot edit the narrative: collection is postponed from "+string(from))
			r.act(head, Action{Action: ActResume})
			if r.c.State != from || r.c.Narrative.Text != approved {
				t.Errorf("after resume: %s with narrative %q, want %s with %q", r.c.State, r.c.Narrative.Text, from, approved)
			}
		})
	}
}

// TestRevisionsBounded: sixty saves of a long narrative do not make a
// record of megabytes (issue 10 #14): the text of old revisions is let go
// past a budget, their author and time are kept (an author still cannot
// approve), and a diff with a revision whose text is gone says so.
func TestRevisionsBounded(t *testing.T) {
	r := newRun(t, tempstore.New(t))
	r.act(head, Action{Action: ActOrder})
	long := strings.Repeat("Paragraf panjang tentang upacara. ", 1400) // about 48 KB
	r.patch(coord, Patch{Narrative: ptr("Draf pertama oleh koordinator.\n")})
	for i := range 59 {
		r.patch(editor, Patch{Narrative: ptr(fmt.Sprintf("%s\nRevisi %d.\n", long, i))})
	}
	data, err := json.Marshal(r.c)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > MaxRevisionBytes+2*maxNarrative {
		t.Errorf("record of %d bytes after 60 saves, want at most %d", len(data), MaxRevisionBytes+2*maxNarrative)
	}
	revs := r.c.Narrative.Revisions
	if len(revs) != 60 || revs[0].By != "agus" || revs[59].Text != r.c.Narrative.Text {
		t.Fatalf("%d revisions, first by %q; want 60, the first by agus, the last the current text", len(revs), revs[0].By)
	}
	if !r.c.Narrative.wroteNarrative("agus") {
		t.Errorf("the first author is forgotten: they could approve")
	}
	if _, err := r.c.Narrative.Diff(1, 2); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no longer kept") {
		t.Errorf("diff with a dropped revision: %v, want ErrInvalid saying its text is no longer kept", err)
	}
	if _, err := r.c.Narrative.Diff(59, 60); err != nil {
		t.Errorf("diff of the last two: %v", err)
	}
}

// TestMayDownload: who may download originals filed into coverages. The
// decision of docs/policy.md (asset.download_unreleased): material of a
// coverage not yet approved, or cancelled, goes only to roles the policy
// allows and to the coverage's assigned staff; once approved (or
// published, archived) to everyone who may download; an asset in no
// coverage too.
func TestMayDownload(t *testing.T) {
	pol := PolicyFunc(func(role, action string) auth.Decision {
		if action == ActionDownloadUnreleased && (role == auth.RoleAdmin || role == auth.RoleEditor) {
			return auth.Allow
		}
		return auth.Deny
	})
	in := func(st State) *Collection {
		return &Collection{ID: "lip-20260817-" + string(st)[:2] + "0000", State: st,
			AssignedStaff: []StaffMember{{Assignee: Assignee{User: "budi", Task: TaskPhoto}}}}
	}
	for _, st := range States() {
		released := st == Approved || st == Published || st == Archived
		for _, tc := range []struct {
			who  Actor
			want bool
		}{
			{viewer, released},
			{tono, released}, // staff, not assigned
			{budi, true},     // assigned: always
			{editor, true},
		} {
			err := MayDownload(pol, tc.who, []*Collection{in(st)})
			if got := err == nil; got != tc.want {
				t.Errorf("%s of a coverage in %s: allowed %v (%v), want %v", tc.who.User, st, got, err, tc.want)
			}
			if err != nil && !errors.Is(err, ErrForbidden) {
				t.Errorf("%s in %s: %v, want ErrForbidden", tc.who.User, st, err)
			}
		}
	}
	if err := MayDownload(pol, viewer, nil); err != nil {
		t.Errorf("an asset in no coverage: %v", err)
	}
	if err := MayDownload(pol, viewer, []*Collection{in(Drafting), in(Published)}); err != nil {
		t.Errorf("an asset also in a published coverage: %v", err)
	}
}

func TestMayBeStaff(t *testing.T) {
	tests := []struct {
		role     string
		disabled bool
		want     bool
	}{
		{auth.RoleStaff, false, true},
		{auth.RoleEditor, false, true},
		{auth.RoleCoordinator, false, true},
		{auth.RoleAdmin, false, true},
		{auth.RoleViewer, false, false},
		{auth.RoleStaff, true, false},
	}
	for _, tt := range tests {
		if got := MayBeStaff(tt.role, tt.disabled); got != tt.want {
			t.Errorf("MayBeStaff(%q, disabled %v) = %v, want %v", tt.role, tt.disabled, got, tt.want)
		}
	}
}
