package collections

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
)

// clock is a settable time for tests; goroutines of the race tests share it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sopPolicy is our reading of the SOP's roles, as the auth package is
// expected to answer.
var sopPolicy = PolicyFunc(func(role, action string) Decision {
	table := map[string][]string{
		RoleHead: {"collection.create", "collection.edit", "collection.order", "collection.assign",
			"collection.approve", "collection.return", "collection.cancel", "collection.postpone", "collection.resume"},
		RoleCoordinator: {"collection.create", "collection.edit", "collection.propose_staff",
			"collection.approve", "collection.return", "collection.postpone", "collection.resume"},
		RoleEditor: {"collection.edit", "collection.start_drafting", "collection.submit_draft", "collection.submit_review"},
		RoleStaff: {"collection.edit", "collection.equipment_ready", "collection.start_coverage",
			"collection.material_gathered", "collection.start_drafting", "collection.submit_draft",
			"collection.publish", "collection.archive"},
	}
	switch {
	case role == RoleAdmin, slices.Contains(table[role], action):
		return Allow
	case role == RoleEditor && action == "collection.approve":
		return AllowIfDelegated
	}
	return Deny
})

var allowAll = PolicyFunc(func(string, string) Decision { return Allow })

// People of the tests.
var (
	head   = Actor{"hadi", RoleHead}
	coord  = Actor{"agus", RoleCoordinator}
	editor = Actor{"dewi", RoleEditor}
	budi   = Actor{"budi", RoleStaff} // photographer
	sari   = Actor{"sari", RoleStaff} // videographer
	rina   = Actor{"rina", RoleStaff} // reporter
	tono   = Actor{"tono", RoleStaff} // not assigned
	admin  = Actor{"root", RoleAdmin}
	viewer = Actor{"vina", RoleViewer}
)

// t0 is 08:00 WIB on the day of the event.
var t0 = time.Date(2026, 8, 17, 8, 0, 0, 0, jakarta)

func assetID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func diskStore(t testing.TB) assets.Store {
	t.Helper()
	s, err := diskstore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t testing.TB, store assets.Store, clk *clock) *Service {
	t.Helper()
	s, err := New(Config{Store: store, Policy: sopPolicy, Clock: clk.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }
