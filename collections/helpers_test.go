package collections

import (
	"log/slog"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/internal/testkit"
)

// sopPolicy is the one policy table, as the server starts with it.
var sopPolicy = auth.DefaultPolicy()

var allowAll = PolicyFunc(func(string, string) auth.Decision { return auth.Allow })

// People of the tests.
var (
	head   = Actor{"hadi", auth.RoleHead}
	coord  = Actor{"agus", auth.RoleCoordinator}
	editor = Actor{"dewi", auth.RoleEditor}
	budi   = Actor{"budi", auth.RoleStaff} // photographer
	sari   = Actor{"sari", auth.RoleStaff} // videographer
	rina   = Actor{"rina", auth.RoleStaff} // reporter
	tono   = Actor{"tono", auth.RoleStaff} // not assigned
	admin  = Actor{"root", auth.RoleAdmin}
	viewer = Actor{"vina", auth.RoleViewer}
)

// jakarta is WIB (UTC+7), the office's zone in the tests.
var jakarta = time.FixedZone("WIB", 7*60*60)

// t0 is 08:00 WIB on the day of the event.
var t0 = time.Date(2026, 8, 17, 8, 0, 0, 0, jakarta)

func assetID(name string) string {
	return assets.Sum([]byte(name))
}

func newService(t testing.TB, store assets.Store, clk *testkit.Clock) *Service {
	t.Helper()
	s, err := New(Config{Store: store, Policy: sopPolicy, Clock: clk.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }
