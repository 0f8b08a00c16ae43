// Package apptest wires the whole server for tests the way `mediabank
// serve` does (store, index, ingest jobs, accounts, collections, audit,
// the API), so that the API's and the pages' tests share one wiring.
package apptest

import (
	"context"
	"log/slog"
	"net/netip"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"mediabank/api"
	"mediabank/assets"
	"mediabank/audit"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/office"
	"mediabank/metadata"
	"mediabank/renditions"
	"mediabank/search"
	"mediabank/shares"
)

// Stack is the wired server and the parts tests reach into.
type Stack struct {
	Store       assets.Store
	Index       *search.Index
	Ingester    *ingest.Ingester
	Jobs        *ingest.Jobs
	Users       *auth.Users
	Policy      auth.Policy
	Collections *collections.Service
	Server      *api.Server
	Zone        *time.Location
	// Decodes is the memory budget the ingest and the server share for
	// decoding pictures, as in serve.
	Decodes *renditions.Budget
	Shares  *shares.Service
	// Clock is the share links' clock: tests move it to see links expire.
	Clock *Clock
}

// Clock is a settable time; the zero Clock is the wall clock.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the wall clock moved by what Advance added.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// New wires the stack over store, with its index and uploads in a
// temporary folder, and tears it down when tb ends. log may be nil.
func New(tb testing.TB, store assets.Store, log *slog.Logger) *Stack {
	tb.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := tb.TempDir()
	zone := office.Zone()
	index, err := search.Open(filepath.Join(dir, "index"), search.Options{Zone: zone, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	decodes := renditions.NewBudget(renditions.DefaultDecodeBudget, 2)
	render := &renditions.Maker{FFmpeg: tool("ffmpeg"), Budget: decodes}
	in := ingest.New(store, index, &metadata.Extractor{Zone: zone, FFprobe: tool("ffprobe")}, render,
		ingest.Options{Workers: 2, Renditions: true, Logger: log})
	jobs := ingest.NewJobs(in, 100)
	policy := auth.DefaultPolicy()
	cols, err := collections.New(collections.Config{Store: store, Policy: policy, Logger: log, Zone: zone})
	if err != nil {
		tb.Fatal(err)
	}
	// Cheap password hashing keeps tests fast; the parameters travel with
	// each hash, so logging in takes the same code path.
	users := auth.NewUsers(store, log, auth.UsersOptions{Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	// Jobs run under the server's life, which ends with the test.
	bg, stop := context.WithCancel(context.Background())
	clock := &Clock{}
	shared := shares.New(store, clock.Now)
	srv := api.New(api.Deps{
		Store: store, Index: index, Jobs: jobs, Render: render, Users: users,
		Sessions: auth.NewSessions(auth.SessionOptions{}), Throttle: auth.NewThrottle(auth.ThrottleOptions{}),
		Policy: policy, Collections: cols, Audit: audit.New(store, nil),
		Channels: &channels.Renderer{Store: store, Maker: render, Presets: channels.DefaultPresets()}, Shares: shared,
		UploadDir: filepath.Join(dir, "uploads"), Background: bg, Zone: zone, Logger: log,
		// Tests speak for clients at other addresses through X-Forwarded-For.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	})
	tb.Cleanup(func() {
		stop()
		jobs.Wait()
		index.Close()
	})
	return &Stack{Store: store, Index: index, Ingester: in, Jobs: jobs, Users: users, Policy: policy,
		Collections: cols, Server: srv, Zone: zone, Decodes: decodes, Shares: shared, Clock: clock}
}

// tool finds an external program, or "" (the parts then say what is
// missing).
func tool(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}
