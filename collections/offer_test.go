package collections

import (
	"testing"

	"mediabank/auth"
)

// TestOptionsExplainRefusals: each action the state offers comes allowed
// or refused with the reason's code; an author of the narrative is told
// that reason before the role's.
func TestOptionsExplainRefusals(t *testing.T) {
	pol := auth.DefaultPolicy()
	review := &Collection{ID: "lip-20260817-abcd", State: InReview,
		Narrative:     Narrative{Text: "x", Revisions: []Revision{{Rev: 1, Text: "x", By: "dewi"}, {Rev: 2, Text: "x", By: "agus"}}},
		AssignedStaff: []StaffMember{{Assignee: Assignee{User: "budi"}}}}
	assigned := &Collection{ID: "lip-20260817-efgh", State: Assigned, AssignedStaff: []StaffMember{{Assignee: Assignee{User: "budi"}}}}
	for _, tc := range []struct {
		name   string
		c      *Collection
		who    Actor
		action string
		want   string // "" for allowed, else the refusal's code
	}{
		{"the head approves", review, Actor{"hadi", auth.RoleHead}, ActApprove, ""},
		{"an author coordinator", review, Actor{"agus", auth.RoleCoordinator}, ActApprove, RefusedOwnNarrative},
		{"an author editor, not delegated", review, Actor{"dewi", auth.RoleEditor}, ActApprove, RefusedOwnNarrative},
		{"another editor, not delegated", review, Actor{"eko", auth.RoleEditor}, ActApprove, RefusedDelegation},
		{"staff may not return", review, Actor{"budi", auth.RoleStaff}, ActReturn, RefusedPolicy},
		{"assigned staff's step", assigned, Actor{"budi", auth.RoleStaff}, ActEquipmentReady, ""},
		{"unassigned staff's step", assigned, Actor{"sari", auth.RoleStaff}, ActEquipmentReady, RefusedNotAssigned},
		{"not offered in the state", assigned, Actor{"hadi", auth.RoleHead}, ActApprove, "absent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := OptionsFor(pol, tc.c, tc.who)
			got := "absent"
			for _, a := range o.Actions {
				if a.Action == tc.action {
					got = a.Code
					if a.Allowed != (a.Code == "") || (!a.Allowed && a.Reason == "") {
						t.Errorf("offer %+v: allowed and code disagree, or no reason", a)
					}
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q (%+v)", got, tc.want, o.Actions)
			}
		})
	}
}
