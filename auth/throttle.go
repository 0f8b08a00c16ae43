package auth

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"mediabank/internal/defaults"
)

// ThrottleOptions tune Throttle; the zero value gives the defaults.
type ThrottleOptions struct {
	// PairFailures is how many failed logins one account may have from
	// one client address in Window (5): slows guessing one person's
	// password from one place.
	PairFailures int
	// AddressFailures is how many failed logins one client address may
	// have in Window (20): slows trying passwords on many accounts.
	AddressFailures int
	// AccountFailures is how many failed logins an account may have from
	// all addresses together in Window (5) before every further attempt
	// at it is slowed by AccountDelay. Never refused: a limit per account
	// alone would let anyone lock anyone out by guessing wrong on purpose.
	AccountFailures int
	// AccountDelay is that slowing down (1 s).
	AccountDelay time.Duration
	// Window is the sliding window the failures are counted in (15 min).
	Window time.Duration
	// MaxEntries bounds the accounts, the addresses and the pairs
	// remembered, each (10000). Past it the entry whose last failure is
	// oldest is dropped.
	MaxEntries int
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Throttle counts failed logins in memory, per account and client address
// together, per address, and per account. The login handler (and any
// other check of a password) calls Attempt before Authenticate and
// Success after it succeeded. It is safe for concurrent use.
type Throttle struct {
	window time.Duration
	delay  time.Duration
	max    int
	now    func() time.Time

	mu        sync.Mutex
	pairs     failures[pairKey]
	addresses failures[netip.Prefix]
	accounts  failures[string]
}

// pairKey is one account tried from one client.
type pairKey struct {
	account string
	addr    netip.Prefix
}

// failures holds the times of the last failures of each key, at most
// limit of them: enough to tell whether limit fell within the window.
type failures[K comparable] struct {
	limit int
	byKey map[K][]time.Time
}

// NewThrottle makes an empty throttle.
func NewThrottle(opts ThrottleOptions) *Throttle {
	defaults.Positive(&opts.PairFailures, 5)
	defaults.Positive(&opts.AddressFailures, 20)
	defaults.Positive(&opts.AccountFailures, 5)
	defaults.Positive(&opts.AccountDelay, time.Second)
	defaults.Positive(&opts.Window, 15*time.Minute)
	defaults.Positive(&opts.MaxEntries, 10000)
	opts.Now = defaults.Clock(opts.Now)
	return &Throttle{
		window:    opts.Window,
		delay:     opts.AccountDelay,
		max:       opts.MaxEntries,
		now:       opts.Now,
		pairs:     failures[pairKey]{limit: opts.PairFailures, byKey: map[pairKey][]time.Time{}},
		addresses: failures[netip.Prefix]{limit: opts.AddressFailures, byKey: map[netip.Prefix][]time.Time{}},
		accounts:  failures[string]{limit: opts.AccountFailures, byKey: map[string][]time.Time{}},
	}
}

// accountKey keeps names that cannot exist out of the map: they all share
// one entry, so random names cannot fill it.
func accountKey(account string) string {
	if ValidName(account) != nil {
		return ""
	}
	return account
}

// addressKey counts an IPv6 client by its /64: one host usually holds a
// whole /64, and could otherwise pick a fresh address per attempt.
func addressKey(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits) // the zero Addr gives the zero Prefix: one shared entry
	return p
}

// Attempt asks to try a login for account from addr now. Refused (this
// address has used up its failures, for this account or for all), it
// returns a *ThrottledError with how long to wait, and counts nothing.
// Allowed, it counts the attempt as a failure at once, until Success takes
// it back: counting only after the slow password check would let many
// guesses sent at the same moment all pass. slowDown is how long the
// caller waits before checking the password: non-zero while the account
// has had too many failures from everywhere together.
func (t *Throttle) Attempt(account string, addr netip.Addr) (slowDown time.Duration, err error) {
	now := t.now()
	acc, ip := accountKey(account), addressKey(addr)
	pair := pairKey{acc, ip}
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := max(t.pairs.retryAfter(pair, now, t.window), t.addresses.retryAfter(ip, now, t.window))
	if wait > 0 {
		return 0, &ThrottledError{RetryAfter: wait}
	}
	if t.accounts.retryAfter(acc, now, t.window) > 0 {
		slowDown = t.delay
	}
	t.pairs.add(pair, now, t.window, t.max)
	t.addresses.add(ip, now, t.window, t.max)
	t.accounts.add(acc, now, t.window, t.max)
	return slowDown, nil
}

// Success records that the login allowed by the last Attempt succeeded:
// the account's failures are forgotten, and the address gets back the one
// attempt. The address keeps its other failures, or an attacker with an
// account of their own could clear their address's count between guesses
// at others.
func (t *Throttle) Success(account string, addr netip.Addr) {
	acc, ip := accountKey(account), addressKey(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts.byKey, acc)
	delete(t.pairs.byKey, pairKey{acc, ip})
	if times := t.addresses.byKey[ip]; len(times) > 1 {
		t.addresses.byKey[ip] = times[:len(times)-1]
	} else {
		delete(t.addresses.byKey, ip)
	}
}

// recent drops k's failures older than the window and returns the rest.
func (f *failures[K]) recent(k K, now time.Time, window time.Duration) []time.Time {
	times, ok := f.byKey[k]
	if !ok {
		return nil
	}
	i := 0
	for i < len(times) && now.Sub(times[i]) >= window {
		i++
	}
	if i == len(times) {
		delete(f.byKey, k)
		return nil
	}
	times = times[i:]
	f.byKey[k] = times
	return times
}

// retryAfter is 0 while k has fewer than limit failures in the window,
// else the time until the oldest of them leaves it.
func (f *failures[K]) retryAfter(k K, now time.Time, window time.Duration) time.Duration {
	times := f.recent(k, now, window)
	if len(times) < f.limit {
		return 0
	}
	return times[len(times)-f.limit].Add(window).Sub(now)
}

func (f *failures[K]) add(k K, now time.Time, window time.Duration, maxEntries int) {
	times := f.recent(k, now, window)
	if times == nil && len(f.byKey) >= maxEntries {
		f.evict(now, window, maxEntries)
	}
	times = append(times, now)
	if len(times) > f.limit {
		times = times[len(times)-f.limit:]
	}
	f.byKey[k] = times
}

// evict makes room for one entry: it drops the entries with nothing left
// in the window, and if there were none, the one whose last failure is
// oldest.
func (f *failures[K]) evict(now time.Time, window time.Duration, maxEntries int) {
	var oldestKey K
	var oldest time.Time
	for k, times := range f.byKey {
		last := times[len(times)-1]
		if now.Sub(last) >= window {
			delete(f.byKey, k)
		} else if oldest.IsZero() || last.Before(oldest) {
			oldestKey, oldest = k, last
		}
	}
	if !oldest.IsZero() && len(f.byKey) >= maxEntries {
		delete(f.byKey, oldestKey)
	}
}

// ClientIP is the address of the client of a request: remoteAddr is the
// direct peer ("host:port" as net/http gives it) and forwardedFor the
// X-Forwarded-For header (several headers joined with ","). The header is
// believed only when the peer is one of trustedProxies, and then only up
// to the rightmost address that is not a trusted proxy: everything left
// of it the client could have written itself. The zero Addr means the
// peer's address could not be read.
func ClientIP(remoteAddr string, forwardedFor string, trustedProxies []netip.Prefix) netip.Addr {
	peer := parseAddr(remoteAddr)
	if !peer.IsValid() || !trusted(peer, trustedProxies) || forwardedFor == "" {
		return peer
	}
	hops := strings.Split(forwardedFor, ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := parseAddr(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			// A garbled entry: the last trusted proxy is as far as we
			// can believe.
			return client
		}
		client = hop
		if !trusted(hop, trustedProxies) {
			return hop
		}
	}
	// Every hop is a trusted proxy: the leftmost is the client.
	return client
}

// parseAddr reads "addr", "addr:port", "[v6]" or "[v6]:port", and drops
// the IPv4-in-IPv6 mapping and any zone so one client has one form.
func parseAddr(s string) netip.Addr {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
