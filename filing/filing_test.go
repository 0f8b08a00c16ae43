package filing

import (
	"slices"
	"testing"

	"mediabank/collections"
)

// TestDoc: the index holds each person on the staff once, proposed or
// assigned, with the event's fields and the state.
func TestDoc(t *testing.T) {
	member := func(u string) collections.StaffMember {
		return collections.StaffMember{Assignee: collections.Assignee{User: u}}
	}
	for _, tc := range []struct {
		name      string
		proposed  []collections.StaffMember
		assigned  []collections.StaffMember
		wantStaff []string
	}{
		{"nobody yet", nil, nil, nil},
		{"proposed only", []collections.StaffMember{member("budi")}, nil, []string{"budi"}},
		{"proposed then assigned", []collections.StaffMember{member("budi"), member("sari")}, []collections.StaffMember{member("sari"), member("tono")}, []string{"budi", "sari", "tono"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := &collections.Collection{ID: "lip-20260817-abcd", State: collections.Assigned, ProposedStaff: tc.proposed, AssignedStaff: tc.assigned}
			col.Title, col.Agency = "Rapat", "Dinas Kesehatan"
			d := Doc(col)
			if !slices.Equal(d.Staff, tc.wantStaff) {
				t.Errorf("staff %v, want %v", d.Staff, tc.wantStaff)
			}
			if d.ID != col.ID || d.Title != "Rapat" || d.Agency != "Dinas Kesehatan" || d.State != "assigned" {
				t.Errorf("doc %+v", d)
			}
		})
	}
}
