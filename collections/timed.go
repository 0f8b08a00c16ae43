package collections

import "time"

// TimedStep is one step of a collection's history with the time it took
// (so far, if open) against its standard.
type TimedStep struct {
	Step
	Standard, Actual time.Duration
	// Overdue: a step of the SOP that ran past its standard. Waiting (for
	// the event, or postponed) has no standard and is never late.
	Overdue bool
}

// Timed is c's history with each step's time against std at now; the
// history in the API and on the collection page alike.
func (c *Collection) Timed(now time.Time, std Standards) []TimedStep {
	out := make([]TimedStep, 0, len(c.History))
	for _, st := range c.History {
		end := now
		if st.End != nil {
			end = *st.End
		}
		t := TimedStep{Step: st, Standard: std.Of(st.Span), Actual: end.Sub(st.Start)}
		t.Overdue = st.Step > 0 && t.Standard > 0 && t.Actual > t.Standard
		out = append(out, t)
	}
	return out
}
