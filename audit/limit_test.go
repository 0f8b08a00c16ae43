package audit

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiter: entries anyone can cause (refusals, failed logins) are
// bounded per client address and in all per window; what was left out is
// counted and said with the next entry written.
func TestLimiter(t *testing.T) {
	now := time.Date(2026, 8, 17, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(LimiterOptions{PerAddress: 3, Total: 5, Window: time.Minute, Now: func() time.Time { return now }})
	type step struct {
		advance    time.Duration
		from       string
		ok         bool
		suppressed int
	}
	steps := []step{
		{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", true, 0},
		{0, "a", false, 0}, {0, "a", false, 0}, // past the address's 3
		{0, "b", true, 2},           // the next entry says what was left out
		{0, "c", true, 0},           // 5 in all
		{0, "d", false, 0},          // past the total
		{time.Minute, "a", true, 1}, // a new window
		{0, "a", true, 0},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		ok, suppressed := l.Allow(st.from)
		if ok != st.ok || suppressed != st.suppressed {
			t.Errorf("step %d: Allow(%q) = %v, %d; want %v, %d", i, st.from, ok, suppressed, st.ok, st.suppressed)
		}
	}
	// A flood from many addresses keeps the memory to the total.
	for i := range 10000 {
		l.Allow(fmt.Sprint("10.0.", i/256, ".", i%256))
	}
	if n := len(l.counts); n > 5 {
		t.Errorf("%d addresses remembered, want at most the total (5)", n)
	}
}
