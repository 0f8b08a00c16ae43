package collections

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// wantMoves is the SOP workflow as the issue states it; every pair missing
// here must be refused with "cannot <action>: collection is in <state>".
var wantMoves = map[State]map[string]State{
	Created:          {ActOrder: Ordered, ActCancel: Cancelled, ActPostpone: Postponed},
	Ordered:          {ActProposeStaff: StaffProposed, ActCancel: Cancelled, ActPostpone: Postponed},
	StaffProposed:    {ActAssign: Assigned, ActCancel: Cancelled, ActPostpone: Postponed},
	Assigned:         {ActEquipmentReady: EquipmentReady, ActCancel: Cancelled, ActPostpone: Postponed},
	EquipmentReady:   {ActStartCoverage: InCoverage, ActCancel: Cancelled, ActPostpone: Postponed},
	InCoverage:       {ActMaterialGathered: MaterialGathered, ActCancel: Cancelled, ActPostpone: Postponed},
	MaterialGathered: {ActStartDrafting: Drafting, ActCancel: Cancelled, ActPostpone: Postponed},
	Drafting:         {ActSubmitDraft: Editing, ActCancel: Cancelled, ActPostpone: Postponed},
	Editing:          {ActSubmitReview: InReview, ActCancel: Cancelled, ActPostpone: Postponed},
	InReview:         {ActApprove: Approved, ActReturn: Editing, ActCancel: Cancelled, ActPostpone: Postponed},
	Approved:         {ActPublish: Published, ActCancel: Cancelled, ActPostpone: Postponed},
	Published:        {ActPublish: Published, ActArchive: Archived, ActCancel: Cancelled},
	Postponed:        {ActResume: Drafting, ActCancel: Cancelled},
	Archived:         {},
	Cancelled:        {},
}

// ready is a collection in state st whose record satisfies every action's
// other checks, so only the transition table decides.
func ready(st State) *Collection {
	c := &Collection{ID: "lip-20260817-abcdef", State: st, Checklist: DefaultChecklist(),
		Material: []string{assetID("a")}, Picks: []string{assetID("a")},
		ProposedStaff: []StaffMember{{Assignee: Assignee{"budi", TaskPhoto}}},
		AssignedStaff: []StaffMember{{Assignee: Assignee{"root", TaskPhoto}}},
		Narrative:     Narrative{Text: "Teks", Revisions: []Revision{{Rev: 1, Text: "Teks", By: "rina"}}},
	}
	for i := range c.Checklist {
		c.Checklist[i].Done = true
	}
	if st == Postponed {
		c.PostponedFrom = Drafting
	}
	c.History = []Step{{Name: "x", State: st, Start: t0}}
	return c
}

// fullAction fills in what each action needs.
func fullAction(action string) Action {
	a := Action{Action: action}
	switch action {
	case ActProposeStaff:
		a.Staff = []Assignee{{"budi", TaskPhoto}}
	case ActReturn:
		a.Note, a.To = "lengkapi narasumber", Editing
	case ActPublish:
		a.Channel, a.URL = ChannelWebsite, "https://tangerangkota.go.id/berita/1"
	}
	return a
}

func TestTransitionTable(t *testing.T) {
	for _, st := range states {
		for _, action := range actions {
			t.Run(string(st)+"/"+action, func(t *testing.T) {
				c := ready(st)
				err := c.act(fullAction(action), admin, allowAll, t0.Add(time.Minute))
				want, ok := wantMoves[st][action]
				if !ok {
					wantMsg := "cannot " + action + ": collection is in " + string(st)
					var se *StateError
					if !errors.As(err, &se) || err.Error() != wantMsg || !errors.Is(err, ErrNotAllowed) {
						t.Fatalf("got %v, want StateError %q", err, wantMsg)
					}
					if c.State != st {
						t.Errorf("refused action changed the state to %s", c.State)
					}
					return
				}
				if err != nil {
					t.Fatalf("got %v, want -> %s", err, want)
				}
				if c.State != want {
					t.Errorf("got state %s, want %s", c.State, want)
				}
			})
		}
	}
	// Every state of the code's table is covered by the expectation above.
	for st := range workflow {
		if _, ok := wantMoves[st]; !ok {
			t.Errorf("state %s is in the workflow but not in the test", st)
		}
	}
}

func TestHistoryOfMoves(t *testing.T) {
	tests := []struct {
		from       State
		action     string
		wantOpen   *Span // nil: nothing open afterwards
		wantClosed Span
	}{
		{Created, ActOrder, &Span{Step: 2}, Span{Step: 1}},
		{Assigned, ActEquipmentReady, &Span{Step: 0}, Span{Step: 4}},
		{InCoverage, ActMaterialGathered, &Span{Step: 6, Through: 7}, Span{Step: 5}},
		{InReview, ActReturn, &Span{Step: 9}, Span{Step: 10}},
		{Approved, ActPublish, &Span{Step: 12}, Span{Step: 11}},
		{Published, ActArchive, nil, Span{Step: 12}},
		{Drafting, ActCancel, nil, Span{Step: 8}},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+tt.action, func(t *testing.T) {
			c := ready(tt.from)
			info := workflow[tt.from]
			c.History[0].Span = Span{info.step, info.through}
			now := t0.Add(7 * time.Minute)
			if err := c.act(fullAction(tt.action), admin, allowAll, now); err != nil {
				t.Fatal(err)
			}
			first := c.History[0]
			if first.Span != tt.wantClosed || first.End == nil || !first.End.Equal(now) || first.EndedBy != "root" || first.EndedWith != tt.action {
				t.Errorf("closed entry = %+v, want span %v ended at %v by root with %s", first, tt.wantClosed, now, tt.action)
			}
			open := c.open()
			switch {
			case tt.wantOpen == nil && open != nil:
				t.Errorf("open entry %+v, want none", open)
			case tt.wantOpen != nil && (open == nil || open.Span != *tt.wantOpen || !open.Start.Equal(now) || open.State != c.State):
				t.Errorf("open entry %+v, want span %v from %v in %s", open, *tt.wantOpen, now, c.State)
			}
		})
	}
}

func TestStandards(t *testing.T) {
	std := DefaultStandards()
	tests := []struct {
		sp   Span
		want time.Duration
	}{
		{Span{Step: 1}, 10 * time.Minute},
		{Span{Step: 5}, 180 * time.Minute},
		{Span{Step: 6, Through: 7}, 120 * time.Minute},
		{Span{Step: 12}, 30 * time.Minute},
		{Span{Step: 0}, 0},
	}
	for _, tt := range tests {
		if got := std.Of(tt.sp); got != tt.want {
			t.Errorf("Of(%v) = %v, want %v", tt.sp, got, tt.want)
		}
	}
	var labels []string
	for _, sp := range spans() {
		labels = append(labels, sp.Label())
	}
	if got, want := labels, []string{"1", "2", "3", "4", "5", "6-7", "8", "9", "10", "11", "12"}; !slices.Equal(got, want) {
		t.Errorf("spans = %v, want %v", got, want)
	}
}

func TestResumeNeedsKnownState(t *testing.T) {
	c := ready(Postponed)
	c.PostponedFrom = "" // a record edited by hand in the bucket
	err := c.act(Action{Action: ActResume}, admin, allowAll, t0)
	if want := "cannot resume: the state before postponing is unknown"; err == nil || err.Error() != want || c.State != Postponed {
		t.Errorf("resume = %v (state %s), want %q", err, c.State, want)
	}
}
