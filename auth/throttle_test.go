package auth

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	a := netip.MustParseAddr("203.0.113.7")
	b := netip.MustParseAddr("198.51.100.9")
	// Each step advances the clock and makes an Attempt, which must wait
	// want (0: allowed) and, allowed, be slowed by slow. An allowed "fail"
	// stays counted; an allowed "ok" is followed by Success.
	type step struct {
		advance time.Duration
		op      string
		account string
		addr    netip.Addr
		want    time.Duration
		slow    time.Duration
	}
	fails := func(n int, account func(int) string, addr func(int) netip.Addr, every time.Duration) []step {
		var s []step
		for i := range n {
			s = append(s, step{every, "fail", account(i), addr(i), 0, 0})
		}
		return s
	}
	same := func(s string) func(int) string { return func(int) string { return s } }
	numbered := func(i int) string { return fmt.Sprintf("user%d", i) }
	at := func(addr netip.Addr) func(int) netip.Addr { return func(int) netip.Addr { return addr } }
	each := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}) }
	seq := func(parts ...[]step) []step {
		var s []step
		for _, p := range parts {
			s = append(s, p...)
		}
		return s
	}
	const slowed = time.Second
	tests := []struct {
		name  string
		steps []step
	}{
		{"five failures of one account from one address, then wait until the first leaves the window", seq(
			fails(5, same("rina"), at(a), time.Minute), // at 1, 2, 3, 4, 5 min
			[]step{
				{0, "fail", "rina", a, 11 * time.Minute, 0},
				{0, "ok", "rina", b, 0, slowed}, // from elsewhere: slowed, never refused
				{0, "fail", "budi", a, 0, 0},    // other accounts from the same address are not
				{11 * time.Minute, "fail", "rina", a, 0, 0},
			})},
		{"five failures from five addresses lock nobody out", seq(
			fails(5, same("rina"), each, 0),
			[]step{
				{0, "fail", "rina", b, 0, slowed},
				{0, "ok", "rina", a, 0, slowed},
				{0, "fail", "rina", b, 0, 0}, // the success forgot the account's failures
			})},
		{"sliding window", seq(
			fails(5, same("rina"), at(a), time.Minute),
			[]step{
				{11 * time.Minute, "fail", "rina", a, 0, 0},
				{0, "fail", "rina", a, time.Minute, 0}, // failures at 2, 3, 4, 5, 16 min
			})},
		{"success resets the account", seq(
			fails(4, same("rina"), at(a), time.Minute),
			[]step{{0, "ok", "rina", a, 0, 0}},
			fails(5, same("rina"), at(a), 0),
			[]step{{0, "fail", "rina", a, 15 * time.Minute, 0}},
		)},
		{"twenty failures from one address", seq(
			fails(20, numbered, at(a), time.Second), // at 1 to 20 s
			[]step{
				{0, "fail", "siti", a, 15*time.Minute - 19*time.Second, 0},
				{0, "fail", "siti", b, 0, 0},
			})},
		{"a success neither counts against nor resets the address", seq(
			fails(19, numbered, at(a), 0),
			[]step{
				{0, "ok", "siti", a, 0, 0},
				{0, "fail", "rina", a, 0, 0},
				{0, "fail", "dewi", a, 15 * time.Minute, 0},
			})},
		{"one IPv6 /64 is one client", seq(
			fails(20, numbered, func(i int) netip.Addr { return netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", i+1)) }, 0),
			[]step{
				{0, "fail", "siti", netip.MustParseAddr("2001:db8:1:2:ffff::1"), 15 * time.Minute, 0},
				{0, "fail", "siti", netip.MustParseAddr("2001:db8:1:3::1"), 0, 0},
			})},
		{"IPv4 mapped in IPv6 is the IPv4 address", seq(
			fails(5, same("rina"), at(a), 0),
			fails(15, numbered, at(netip.MustParseAddr("::ffff:203.0.113.7")), 0),
			[]step{{0, "fail", "budi", a, 15 * time.Minute, 0}},
		)},
		{"invalid names share one entry", seq(
			fails(5, func(i int) string { return []string{"A", "../x", "", "Rina", "x y"}[i] }, at(b), 0),
			[]step{{0, "fail", "ZZZ", b, 15 * time.Minute, 0}, {0, "fail", "rina", b, 0, 0}},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			th := NewThrottle(ThrottleOptions{Now: c.Now})
			for i, st := range tt.steps {
				c.Advance(st.advance)
				slow, err := th.Attempt(st.account, st.addr)
				var got time.Duration
				var te *ThrottledError
				if errors.As(err, &te) {
					got = te.RetryAfter
					if !errors.Is(err, ErrThrottled) {
						t.Errorf("step %d: %v is not ErrThrottled", i, err)
					}
				} else if err != nil {
					t.Fatalf("step %d: Attempt: %v", i, err)
				}
				if got != st.want || slow != st.slow {
					t.Errorf("step %d: Attempt(%q, %s) wait = %s, slowed %s; want %s, %s", i, st.account, st.addr, got, slow, st.want, st.slow)
				}
				if st.op == "ok" && err == nil {
					th.Success(st.account, st.addr)
				}
			}
		})
	}
}

// TestThrottleConcurrent: guesses sent at the same moment cannot pass the
// limit while the password checks are still running.
func TestThrottleConcurrent(t *testing.T) {
	th := NewThrottle(ThrottleOptions{})
	addr := netip.MustParseAddr("203.0.113.7")
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := th.Attempt("rina", addr); err == nil {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != 5 {
		t.Errorf("%d of 50 concurrent attempts allowed, want 5", got)
	}
}

func TestThrottleBounded(t *testing.T) {
	c := newClock()
	th := NewThrottle(ThrottleOptions{MaxEntries: 100, AccountFailures: 2, Now: c.Now})
	// Two failures of rina, then a flood of other names from many addresses.
	th.Attempt("rina", netip.MustParseAddr("10.0.0.1"))
	th.Attempt("rina", netip.MustParseAddr("10.0.0.1"))
	for i := range 1000 {
		c.Advance(time.Millisecond)
		if _, err := th.Attempt(fmt.Sprintf("user%d", i), netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})); err != nil {
			t.Fatal(err)
		}
	}
	if n, m, p := len(th.accounts.byKey), len(th.addresses.byKey), len(th.pairs.byKey); n > 100 || m > 100 || p > 100 {
		t.Errorf("entries: %d accounts, %d addresses, %d pairs; want at most 100 each", n, m, p)
	}
	// The flood pushed rina out (the oldest), which is the price of the
	// bound; expired entries go first.
	if _, err := th.Attempt("rina", netip.MustParseAddr("10.0.0.2")); err != nil {
		t.Errorf("rina after the flood: %v", err)
	}
	c.Advance(15 * time.Minute)
	if _, err := th.Attempt("budi", netip.MustParseAddr("10.0.0.3")); err != nil {
		t.Fatal(err)
	}
	if n := len(th.accounts.byKey); n != 1 {
		t.Errorf("after the window, one more failure: %d accounts held, want 1", n)
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name        string
		remote, xff string
		proxies     []netip.Prefix
		want        string // "" for the zero Addr
	}{
		{"direct client, no header", "203.0.113.7:51234", "", trusted, "203.0.113.7"},
		{"direct client forging the header", "203.0.113.7:51234", "1.2.3.4", trusted, "203.0.113.7"},
		{"no trusted proxies", "10.0.0.5:443", "1.2.3.4", nil, "10.0.0.5"},
		{"behind the proxy", "10.0.0.5:443", "203.0.113.7", trusted, "203.0.113.7"},
		{"client prepends a forgery", "10.0.0.5:443", "1.2.3.4, 203.0.113.7", trusted, "203.0.113.7"},
		{"two trusted proxies", "10.0.0.5:443", "1.2.3.4, 203.0.113.7, 10.0.0.9", trusted, "203.0.113.7"},
		{"every hop trusted", "10.0.0.5:443", "10.0.0.8, 10.0.0.9", trusted, "10.0.0.8"},
		{"trusted proxy, empty header", "127.0.0.1:8080", "", trusted, "127.0.0.1"},
		{"garbage hop", "10.0.0.5:443", "1.2.3.4, garbage", trusted, "10.0.0.5"},
		{"garbage behind a trusted hop", "10.0.0.5:443", "1.2.3.4, garbage, 10.0.0.9", trusted, "10.0.0.9"},
		{"hop with port", "10.0.0.5:443", "203.0.113.7:5555", trusted, "203.0.113.7"},
		{"IPv6 peer", "[2001:db8::1]:443", "1.2.3.4", trusted, "2001:db8::1"},
		{"IPv6 proxy and client", "[fd00::5]:443", "[2001:db8::7]:1234, fd00::6", trusted, "2001:db8::7"},
		{"IPv6 client bare", "[fd00::5]:443", "2001:db8::7", trusted, "2001:db8::7"},
		{"mapped IPv4 peer", "[::ffff:10.0.0.5]:443", "203.0.113.7", trusted, "203.0.113.7"},
		{"zoned peer", "[fe80::1%eth0]:443", "", trusted, "fe80::1"},
		{"peer without port", "203.0.113.7", "", trusted, "203.0.113.7"},
		{"unreadable peer", "@unix", "203.0.113.7", trusted, ""},
		{"empty peer", "", "", trusted, ""},
		{"several headers joined", "10.0.0.5:443", "1.2.3.4,203.0.113.7,10.0.0.9", trusted, "203.0.113.7"},
	}
	for _, tt := range tests {
		got := ClientIP(tt.remote, tt.xff, tt.proxies)
		want := netip.Addr{}
		if tt.want != "" {
			want = netip.MustParseAddr(tt.want)
		}
		if got != want {
			t.Errorf("%s: ClientIP(%q, %q) = %v, want %v", tt.name, tt.remote, tt.xff, got, want)
		}
	}
}
