package collections

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"testing"
	"time"

	"mediabank/auth"
)

// at is t0 plus m minutes.
func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// visit is a history entry from minute start to end (-1: still open).
type visit struct {
	sp         Span
	start, end int
}

func mk(id string, st State, staff []StaffMember, visits ...visit) *Collection {
	c := &Collection{ID: id, Event: Event{Title: "acara " + id, StartsAt: at(0)}, State: st, AssignedStaff: staff}
	for _, v := range visits {
		h := Step{Span: v.sp, Name: spanName(v.sp), State: st, Start: at(v.start)}
		if v.end >= 0 {
			end := at(v.end)
			h.End = &end
		}
		c.History = append(c.History, h)
	}
	return c
}

func staffOf(users ...string) []StaffMember {
	var out []StaffMember
	for _, u := range users {
		out = append(out, StaffMember{Assignee: Assignee{User: u, Task: TaskPhoto}})
	}
	return out
}

var (
	s1, s2, s3, s5, s8 = Span{Step: 1}, Span{Step: 2}, Span{Step: 3}, Span{Step: 5}, Span{Step: 8}
	day                = 24 * 60
)

// slaFixture: step 1 took 5, 10, 20, 40 minutes (one more ended after the
// period); step 2 took 10 and 30; step 5 took 150, 170, 180, 200, 260;
// step 8 was visited twice by one collection, 30 + 45.
func slaFixture() []*Collection {
	return []*Collection{
		mk("c1", StaffProposed, nil, visit{s1, 0, 5}, visit{s2, 5, 15}, visit{s3, 15, -1}),
		mk("c2", Drafting, staffOf("rina"), visit{s1, 0, 10}, visit{s2, 10, 40}, visit{s5, 100, 250}, visit{s8, -1, -1}),
		mk("c3", InCoverage, staffOf("budi", "sari"), visit{s1, 0, 20}, visit{s5, 300, 470}, visit{s5, 0, -1}),
		mk("c4", Editing, nil, visit{s1, 0, 40}, visit{s8, 100, 130}, visit{s8, 200, 245}, visit{s5, 0, 180}, visit{Span{Step: 9}, 245, -1}),
		mk("c5", EquipmentReady, staffOf("budi"), visit{s1, 2 * day, 2*day + 3}, visit{s5, 0, 200}, visit{Span{}, 0, -1}),
		mk("c6", Postponed, nil, visit{s1, 0, day}, visit{s5, 0, 260}, visit{Span{}, 10, -1}),
		mk("c7", Archived, nil),
	}
}

func TestSLA(t *testing.T) {
	now := at(60)
	rep := SLA(slaFixture(), at(0), at(day), now, DefaultStandards())
	type row struct {
		count          int
		median, p90    float64
		withinStandard float64
	}
	want := map[string]row{
		"1": {4, 15, 34, 0.5},   // [5 10 20 40]: (10+20)/2; 20 + 0.7*(40-20); 5 and 10 within 10
		"2": {2, 20, 28, 0.5},   // [10 30]: 10 + 0.9*20
		"5": {5, 180, 236, 0.6}, // [150 170 180 200 260]: 200 + 0.6*60; three within 180
		"8": {1, 75, 75, 0},     // 30 + 45 for one collection, over 60
		"9": {0, 0, 0, 0},       // only open
	}
	var labels []string
	for _, s := range rep.Steps {
		labels = append(labels, s.Label())
		w := want[s.Label()]
		if s.Count != w.count || !near(s.MedianMinutes, w.median) || !near(s.P90Minutes, w.p90) || !near(s.WithinStandard, w.withinStandard) {
			t.Errorf("step %s = %+v, want %+v", s.Label(), s, w)
		}
	}
	if want := []string{"1", "2", "3", "4", "5", "6-7", "8", "9", "10", "11", "12"}; !slices.Equal(labels, want) {
		t.Errorf("rows %v, want %v", labels, want)
	}

	// Now overdue: c1 in step 3 since minute 15 (35 past 10), c4 in step 9
	// since 245 (not yet), c2 in step 8 since -1 (1 past 60); c3's step 5 is
	// within 180; waiting and postponed never are.
	var got []string
	for _, o := range rep.Overdue {
		got = append(got, o.Collection+" "+o.Label())
	}
	if want := []string{"c1 3", "c2 8"}; !slices.Equal(got, want) {
		t.Fatalf("overdue %v, want %v", got, want)
	}
	o := rep.Overdue[0]
	if !near(o.LateMinutes, 35) || o.StandardMinutes != 10 || !o.Since.Equal(at(15)) || !slices.Equal(o.Holders.Roles, []string{auth.RoleHead}) {
		t.Errorf("overdue c1 = %+v, want 35 min late on a 10 min standard since 08:15, held by head", o)
	}
	o = rep.Overdue[1]
	if !near(o.LateMinutes, 1) || !slices.Equal(o.Holders.Roles, []string{auth.RoleEditor}) || !slices.Equal(o.Holders.Users, []string{"rina"}) {
		t.Errorf("overdue c2 = %+v, want 1 min late, held by editor and rina", o)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestReportCSV(t *testing.T) {
	rep := Report{
		Steps: []StepStats{{Span: Span{Step: 6, Through: 7}, Name: "gather information, photos and videos",
			StandardMinutes: 120, Count: 3, MedianMinutes: 95, P90Minutes: 131.25, WithinStandard: 2.0 / 3}},
		Overdue: []OverdueStep{{Collection: "lip-20260817-ab12cd", Title: "Upacara, HUT RI", State: InCoverage,
			Span: Span{Step: 5}, Name: "cover and document the event", Since: at(90), StandardMinutes: 180, LateMinutes: 12.5,
			Holders: Holders{Users: []string{"budi", "sari"}}}},
	}
	var buf bytes.Buffer
	if err := rep.CSV(&buf); err != nil {
		t.Fatal(err)
	}
	want := "step,name,standard_minutes,count,median_minutes,p90_minutes,within_standard_percent\n" +
		"6-7,\"gather information, photos and videos\",120.0,3,95.0,131.2,66.7\n" +
		"\n" +
		"collection,title,state,step,name,since,standard_minutes,late_minutes,roles,users\n" +
		"lip-20260817-ab12cd,\"Upacara, HUT RI\",in_coverage,5,cover and document the event,2026-08-17T09:30:00+07:00,180.0,12.5,,budi sari\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV =\n%s\nwant\n%s", got, want)
	}
}

func TestOverdueBoundary(t *testing.T) {
	c := mk("c", Created, nil, visit{s1, 0, -1})
	std := DefaultStandards()
	tests := []struct {
		now  time.Time
		late bool
	}{
		{at(10), false}, // exactly the standard is on time
		{at(10).Add(time.Second), true},
	}
	for _, tt := range tests {
		if got := len(c.Overdue(tt.now, std)) > 0; got != tt.late {
			t.Errorf("Overdue at %v: %v, want %v", tt.now, got, tt.late)
		}
	}
	std[0] = 30 * time.Minute // standards are configurable
	if got := c.Overdue(at(20), std); len(got) != 0 {
		t.Errorf("Overdue with a 30 min standard at 20 min: %+v", got)
	}
}

func TestAssignments(t *testing.T) {
	cols := slaFixture()
	cols[0].ProposedStaff = []StaffMember{{Assignee: Assignee{"budi", TaskPhoto}}, {Assignee: Assignee{"budi", TaskVideo}}}
	cols = append(cols, mk("c8", Archived, staffOf("budi")))
	type row struct {
		id                 string
		assigned, proposed []string
		next, overdue      bool
	}
	tests := []struct {
		who  Actor
		want []row
	}{
		{budi, []row{
			{id: "c1", proposed: []string{TaskPhoto, TaskVideo}, overdue: true}, // held by the head
			{id: "c3", assigned: []string{TaskPhoto}, next: true},
			{id: "c5", assigned: []string{TaskPhoto}, next: true},
		}},
		{rina, []row{{id: "c2", assigned: []string{TaskPhoto}, next: true, overdue: true}}},
		{head, []row{{id: "c1", next: true, overdue: true}, {id: "c6", next: true}}},
		{editor, []row{{id: "c2", next: true, overdue: true}, {id: "c4", next: true}}},
		{viewer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.who.User, func(t *testing.T) {
			got := Assignments(cols, tt.who, at(60), DefaultStandards())
			var rows []row
			for _, a := range got {
				rows = append(rows, row{a.Collection, a.Assigned, a.Proposed, a.ActsNext, a.Overdue != nil})
			}
			if len(rows) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", rows, tt.want)
			}
			for i := range rows {
				g, w := rows[i], tt.want[i]
				if g.id != w.id || !slices.Equal(g.assigned, w.assigned) || !slices.Equal(g.proposed, w.proposed) || g.next != w.next || g.overdue != w.overdue {
					t.Errorf("row %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// TestReportCSVFormulas: text a person typed (a coverage's title) never
// reaches a spreadsheet as a formula (issue 10 #11): a cell starting with
// = + - @ tab or CR is written with a leading apostrophe.
func TestReportCSVFormulas(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{`=HYPERLINK("http://evil.example","klik")`, `'=HYPERLINK("http://evil.example","klik")`},
		{"+62 812", "'+62 812"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"Upacara HUT RI", "Upacara HUT RI"},
	} {
		rep := Report{Overdue: []OverdueStep{{Collection: "lip-20260817-ab12cd", Title: tc.title, State: InCoverage,
			Span: Span{Step: 5}, Name: "cover", Since: at(90), LateMinutes: -0.5, Holders: Holders{Users: []string{"@budi"}}}}}
		var buf bytes.Buffer
		if err := rep.CSV(&buf); err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(&buf)
		cr.FieldsPerRecord = -1 // two tables of different widths
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		row := rows[len(rows)-1]
		if row[1] != tc.want || row[9] != "'@budi" || row[7] != "-0.5" {
			t.Errorf("title %q: row %q; want title %q, users '@budi, late_minutes -0.5 (a number stays a number)", tc.title, row, tc.want)
		}
	}
}
