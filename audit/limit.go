package audit

import (
	"sync"
	"time"

	"mediabank/internal/defaults"
)

// LimiterOptions tune a Limiter; the zero value gives the defaults.
type LimiterOptions struct {
	// PerAddress is how many entries one client address may cause in a
	// window (10).
	PerAddress int
	// Total is how many such entries are written in a window in all
	// (100), whatever the number of addresses.
	Total int
	// Window is the fixed window counted in (1 min).
	Window time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Limiter bounds the entries written for what anyone can cause without
// an account (failed logins, refused requests), so a flood cannot fill
// the bucket with them: at most PerAddress per client address and Total
// in all per window. What it leaves out is counted, and the count is
// handed to the next entry allowed, which says so. Safe for concurrent
// use.
type Limiter struct {
	perAddr, total int
	window         time.Duration
	now            func() time.Time

	mu         sync.Mutex
	start      time.Time
	counts     map[string]int // per address in this window; at most total keys
	all        int
	suppressed int
}

// NewLimiter makes a limiter.
func NewLimiter(opts LimiterOptions) *Limiter {
	defaults.Positive(&opts.PerAddress, 10)
	defaults.Positive(&opts.Total, 100)
	defaults.Positive(&opts.Window, time.Minute)
	opts.Now = defaults.Clock(opts.Now)
	return &Limiter{perAddr: opts.PerAddress, total: opts.Total, window: opts.Window, now: opts.Now, counts: map[string]int{}}
}

// Allow says whether an entry caused from address from may be written
// now; when it may, suppressed is how many were left out before it.
func (l *Limiter) Allow(from string) (ok bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		l.start, l.all = now, 0
		clear(l.counts)
	}
	if l.all >= l.total || l.counts[from] >= l.perAddr {
		l.suppressed++
		return false, 0
	}
	l.all++
	l.counts[from]++
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
