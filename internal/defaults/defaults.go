// Package defaults fills in the settings a caller left unset, the one way
// every constructor does: a count or duration that is not positive takes
// its default, a nil clock is the wall clock.
package defaults

import "time"

// Positive sets *v to def when *v is zero (unset) or negative (nonsense).
func Positive[T ~int | ~int64 | ~float64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Clock is now, or time.Now when now is nil.
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
