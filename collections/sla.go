package collections

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReportDays is how far back the standard-time report looks when the
// period asked for has no start.
const ReportDays = 30

// Standards are the SOP's standard times (mutu baku) of steps 1..12,
// index 0 for step 1.
type Standards [12]time.Duration

// DefaultStandards are the times the SOP gives.
func DefaultStandards() Standards {
	var s Standards
	for i, m := range []int{10, 10, 10, 10, 180, 60, 60, 60, 60, 60, 30, 30} {
		s[i] = time.Duration(m) * time.Minute
	}
	return s
}

// Of is the standard time of a span: the sum of its steps; 0 outside the SOP.
func (s Standards) Of(sp Span) time.Duration {
	var d time.Duration
	for st := sp.Step; st >= 1 && st <= max(sp.Step, sp.Through) && st <= len(s); st++ {
		d += s[st-1]
	}
	return d
}

// Holders are who is expected to act next on a collection.
type Holders struct {
	Roles []string `json:"roles,omitempty"`
	Users []string `json:"users,omitempty"`
}

// Holders says who is expected to act next: the roles of the state's SOP
// step, the assigned staff for staff steps, and the delegated approver in
// review.
func (c *Collection) Holders() Holders {
	info := workflow[c.State]
	h := Holders{Roles: slices.Clone(info.roles)}
	if info.staff {
		for _, m := range c.AssignedStaff {
			if !slices.Contains(h.Users, m.User) {
				h.Users = append(h.Users, m.User)
			}
		}
	}
	if c.State == InReview && c.ApprovalDelegatedTo != "" {
		h.Users = append(h.Users, c.ApprovalDelegatedTo)
	}
	return h
}

// OverdueStep is an open step running past its standard time.
type OverdueStep struct {
	Collection string `json:"collection"`
	Title      string `json:"title"`
	State      State  `json:"state"`
	Span
	Name            string    `json:"name"`
	Since           time.Time `json:"since"`
	StandardMinutes float64   `json:"standard_minutes"`
	LateMinutes     float64   `json:"late_minutes"` // beyond the standard
	Holders         Holders   `json:"holders"`
}

// Overdue lists the open step if it has run past its standard at now.
// Waiting (for the event, or postponed) has no standard and is never late.
func (c *Collection) Overdue(now time.Time, std Standards) []OverdueStep {
	s := c.open()
	if s == nil || s.Step == 0 {
		return nil
	}
	limit := std.Of(s.Span)
	ran := now.Sub(s.Start)
	if ran <= limit {
		return nil
	}
	return []OverdueStep{{
		Collection: c.ID, Title: c.Title, State: c.State, Span: s.Span, Name: s.Name, Since: s.Start,
		StandardMinutes: limit.Minutes(), LateMinutes: (ran - limit).Minutes(), Holders: c.Holders(),
	}}
}

// Report is how the SOP steps did against their standards.
type Report struct {
	From, To, Now time.Time
	Steps         []StepStats
	Overdue       []OverdueStep // now, over all collections given, latest first
}

// StepStats are the actual times of one SOP span, over the collections that
// finished it in the report's period. A collection that worked on a span
// more than once (returned, postponed) counts once, with the sum.
type StepStats struct {
	Span
	Name            string  `json:"name"`
	StandardMinutes float64 `json:"standard_minutes"`
	Count           int     `json:"count"`
	MedianMinutes   float64 `json:"median_minutes"`
	P90Minutes      float64 `json:"p90_minutes"`
	// WithinStandard is the share (0..1) that took at most the standard.
	WithinStandard float64 `json:"within_standard"`
}

// SLA reports the steps that ended in [from, to) and what is overdue at now.
// Percentiles interpolate between closest ranks, as a spreadsheet's
// PERCENTILE.INC does, so the office can check them by hand.
func SLA(cols []*Collection, from, to, now time.Time, std Standards) Report {
	type key struct {
		id string
		sp Span
	}
	spent := map[key]time.Duration{}
	for _, c := range cols {
		for _, s := range c.History {
			if s.Step == 0 || s.End == nil || s.End.Before(from) || !s.End.Before(to) {
				continue
			}
			spent[key{c.ID, s.Span}] += s.End.Sub(s.Start)
		}
	}
	r := Report{From: from, To: to, Now: now}
	for _, sp := range spans() {
		st := StepStats{Span: sp, Name: spanName(sp), StandardMinutes: std.Of(sp).Minutes()}
		var mins []float64
		within := 0
		for k, d := range spent {
			if k.sp == sp {
				mins = append(mins, d.Minutes())
				if d <= std.Of(sp) {
					within++
				}
			}
		}
		if len(mins) > 0 {
			slices.Sort(mins)
			st.Count = len(mins)
			st.MedianMinutes = percentile(mins, 0.5)
			st.P90Minutes = percentile(mins, 0.9)
			st.WithinStandard = float64(within) / float64(len(mins))
		}
		r.Steps = append(r.Steps, st)
	}
	for _, c := range cols {
		r.Overdue = append(r.Overdue, c.Overdue(now, std)...)
	}
	slices.SortFunc(r.Overdue, func(a, b OverdueStep) int {
		return cmp.Compare(b.LateMinutes, a.LateMinutes)
	})
	return r
}

// percentile of sorted values, p in [0,1], by linear interpolation.
func percentile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
}

// CSV writes the report for a spreadsheet: the step table, an empty line,
// then the overdue collections. Minutes have one decimal.
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
	rows := [][]string{{"step", "name", "standard_minutes", "count", "median_minutes", "p90_minutes", "within_standard_percent"}}
	for _, s := range r.Steps {
		rows = append(rows, []string{s.Label(), csvText(s.Name), num(s.StandardMinutes), strconv.Itoa(s.Count),
			num(s.MedianMinutes), num(s.P90Minutes), num(100 * s.WithinStandard)})
	}
	rows = append(rows, nil,
		[]string{"collection", "title", "state", "step", "name", "since", "standard_minutes", "late_minutes", "roles", "users"})
	for _, o := range r.Overdue {
		rows = append(rows, []string{csvText(o.Collection), csvText(o.Title), csvText(string(o.State)), o.Label(), csvText(o.Name),
			o.Since.Format(time.RFC3339), num(o.StandardMinutes), num(o.LateMinutes),
			csvText(strings.Join(o.Holders.Roles, " ")), csvText(strings.Join(o.Holders.Users, " "))})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write sla csv: %w", err)
	}
	return nil
}

// csvText makes a cell of text someone typed safe for a spreadsheet: one
// that starts with = + - @ tab or CR would be read as a formula (OWASP,
// CSV injection), so it gets a leading apostrophe, which spreadsheets
// show as text. The numbers the report computes are written as they are.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Assignment is a collection on someone's list: what they are assigned
// or proposed for, and whether they are expected to act next.
type Assignment struct {
	Collection string    `json:"collection"`
	Title      string    `json:"title"`
	StartsAt   time.Time `json:"starts_at,omitzero"`
	State      State     `json:"state"`
	Span
	StepName string       `json:"step_name"`
	Assigned []string     `json:"assigned,omitempty"` // tasks
	Proposed []string     `json:"proposed,omitempty"` // tasks
	ActsNext bool         `json:"acts_next"`
	Overdue  *OverdueStep `json:"overdue,omitempty"`
}

// Assignments lists the open collections (not archived or cancelled) where
// who is assigned, proposed, or expected to act next, earliest event first.
func Assignments(cols []*Collection, who Actor, now time.Time, std Standards) []Assignment {
	var out []Assignment
	for _, c := range cols {
		if c.State == Archived || c.State == Cancelled {
			continue
		}
		h := c.Holders()
		a := Assignment{Collection: c.ID, Title: c.Title, StartsAt: c.StartsAt, State: c.State,
			ActsNext: slices.Contains(h.Roles, who.Role) || slices.Contains(h.Users, who.User)}
		for _, m := range c.AssignedStaff {
			if m.User == who.User {
				a.Assigned = append(a.Assigned, m.Task)
			}
		}
		for _, m := range c.ProposedStaff {
			if m.User == who.User {
				a.Proposed = append(a.Proposed, m.Task)
			}
		}
		if !a.ActsNext && a.Assigned == nil && a.Proposed == nil {
			continue
		}
		if s := c.open(); s != nil {
			a.Span, a.StepName = s.Span, s.Name
		}
		if o := c.Overdue(now, std); len(o) > 0 {
			a.Overdue = &o[0]
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.Collection, b.Collection)
	})
	return out
}
