package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/s3store"
	"mediabank/assets/storetest"
	"mediabank/internal/tempstore"
	"mediabank/internal/testkit"
)

// cheapHash keeps tests fast; TestAuthenticateTiming uses the defaults.
var cheapHash = HashParams{Memory: 64, Time: 1, Threads: 1}

// newClock is the tests' settable time, at 08:00 UTC on the day.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 8, 17, 8, 0, 0, 0, time.UTC)) }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestStores runs everything that touches the bank on the local folder
// and on a real MinIO (one server, a fresh bucket per test).
func TestStores(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T, assets.Store)
	}{
		{"add and authenticate", testAddAuthenticate},
		{"changes", testChanges},
		{"stale version", testStaleVersion},
		{"race on update", testUpdateRace},
		{"race on add", testAddRace},
		{"list", testList},
		{"tokens", testTokens},
	}
	t.Run("disk", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.run(t, tempstore.New(t)) })
		}
	})
	t.Run("minio", func(t *testing.T) {
		m := storetest.StartMinIO(t)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, err := s3store.Open(t.Context(), s3store.Config{
					Endpoint: m.Endpoint, Bucket: fmt.Sprintf("auth-%d", i),
					AccessKey: m.AccessKey, SecretKey: m.SecretKey,
				})
				if err != nil {
					t.Fatal(err)
				}
				tt.run(t, s)
			})
		}
	})
}

func newUsers(s assets.Store, c *testkit.Clock) *Users {
	return NewUsers(s, discard(), UsersOptions{Hash: cheapHash, Now: c.Now})
}

func testAddAuthenticate(t *testing.T, s assets.Store) {
	ctx := t.Context()
	c := newClock()
	u := newUsers(s, c)
	got, err := u.Add(ctx, "rina.s", RoleStaff, "kamera-canon-r6")
	if err != nil {
		t.Fatal(err)
	}
	want := User{Name: "rina.s", DisplayName: "rina.s", Role: RoleStaff, Language: "id", CreatedAt: c.Now(), UpdatedAt: c.Now()}
	if got.Version == "" {
		t.Error("Add returned no version")
	}
	got.Version = ""
	if *got != want {
		t.Errorf("Add = %+v\nwant %+v", *got, want)
	}

	// The record holds a PHC argon2id hash, never the password.
	r, _, err := s.Get(ctx, "users/rina.s.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(r)
	r.Close()
	if strings.Contains(string(raw), "kamera-canon-r6") || !strings.Contains(string(raw), `"password_hash": "$argon2id$v=19$m=64,t=1,p=1$`) {
		t.Errorf("users/rina.s.json:\n%s", raw)
	}

	tests := []struct {
		name, user, password string
		wantErr              error
	}{
		{"right", "rina.s", "kamera-canon-r6", nil},
		{"wrong password", "rina.s", "kamera-canon-r5", ErrUnauthorized},
		{"empty password", "rina.s", "", ErrUnauthorized},
		{"unknown user", "budi", "kamera-canon-r6", ErrUnauthorized},
		{"invalid name", "../users/rina.s", "kamera-canon-r6", ErrUnauthorized},
		{"name case matters", "Rina.s", "kamera-canon-r6", ErrUnauthorized},
		{"absurdly long password", "rina.s", strings.Repeat("x", MaxPasswordLen+1), ErrUnauthorized},
	}
	for _, tt := range tests {
		got, err := u.Authenticate(ctx, tt.user, tt.password)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Authenticate error = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && got.Name != tt.user {
			t.Errorf("%s: Authenticate = %s, want %s", tt.name, got.Name, tt.user)
		}
	}

	addTests := []struct {
		name, user, role, password string
		wantErr                    error
	}{
		{"exists", "rina.s", RoleViewer, "another-password", ErrConflict},
		{"short password", "budi", RoleStaff, "123456789", ErrInvalid},
		{"ten characters", "budi", RoleStaff, "kata-sandi", nil},
		{"ten runes, more bytes", "sari", RoleStaff, "kata-sandé", nil},
		{"unknown role", "dewi", "kabid", "kamera-canon-r6", ErrInvalid},
		{"upper case name", "Dewi", RoleStaff, "kamera-canon-r6", ErrInvalid},
		{"one character", "d", RoleStaff, "kamera-canon-r6", ErrInvalid},
		{"dot dot", "..", RoleStaff, "kamera-canon-r6", ErrInvalid},
		{"slash", "a/b", RoleStaff, "kamera-canon-r6", ErrInvalid},
		{"65 characters", strings.Repeat("a", 65), RoleStaff, "kamera-canon-r6", ErrInvalid},
		{"64 characters", strings.Repeat("a", 64), RoleStaff, "kamera-canon-r6", nil},
	}
	for _, tt := range addTests {
		if _, err := u.Add(ctx, tt.user, tt.role, tt.password); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Add(%q, %q) error = %v, want %v", tt.name, tt.user, tt.role, err, tt.wantErr)
		}
	}
	if got, err := u.Authenticate(ctx, "rina.s", "kamera-canon-r6"); err != nil || got.Role != RoleStaff {
		t.Errorf("after a refused Add, Authenticate = %+v, %v; want the staff account unchanged", got, err)
	}

	// Disabled: refused, but only said so to someone with the password.
	if _, err := u.Disable(ctx, "rina.s", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(ctx, "rina.s", "kamera-canon-r6"); !errors.Is(err, ErrDisabled) || !errors.Is(err, ErrForbidden) {
		t.Errorf("disabled, right password: error = %v, want ErrDisabled", err)
	}
	if _, err := u.Authenticate(ctx, "rina.s", "wrong-password"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("disabled, wrong password: error = %v, want ErrUnauthorized", err)
	}
	if _, err := u.Enable(ctx, "rina.s", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(ctx, "rina.s", "kamera-canon-r6"); err != nil {
		t.Errorf("enabled again: %v", err)
	}
}

func testChanges(t *testing.T, s assets.Store) {
	ctx := t.Context()
	c := newClock()
	u := newUsers(s, c)
	if _, err := u.Add(ctx, "budi", RoleStaff, "kamera-canon-r6"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func(version string) (*User, error)
		wantErr error
		check   func(*User) string // "" when the user is as expected
	}{
		{"role", func(v string) (*User, error) { return u.SetRole(ctx, "budi", RoleEditor, v) }, nil,
			func(got *User) string { return want(got.Role, RoleEditor) }},
		{"unknown role", func(v string) (*User, error) { return u.SetRole(ctx, "budi", "superuser", v) }, ErrInvalid, nil},
		{"language", func(v string) (*User, error) { return u.SetLanguage(ctx, "budi", "en", v) }, nil,
			func(got *User) string { return want(got.Language, "en") }},
		{"unknown language", func(v string) (*User, error) { return u.SetLanguage(ctx, "budi", "jv", v) }, ErrInvalid, nil},
		{"display name", func(v string) (*User, error) { return u.SetDisplayName(ctx, "budi", " Budi Santoso ", v) }, nil,
			func(got *User) string { return want(got.DisplayName, "Budi Santoso") }},
		{"empty display name", func(v string) (*User, error) { return u.SetDisplayName(ctx, "budi", "  ", v) }, ErrInvalid, nil},
		{"trailing newline", func(v string) (*User, error) { return u.SetDisplayName(ctx, "budi", "Budi\n", v) }, nil,
			func(got *User) string { return want(got.DisplayName, "Budi") }},
		{"control character", func(v string) (*User, error) { return u.SetDisplayName(ctx, "budi", "Bu\x00di", v) }, ErrInvalid, nil},
		{"password too short", func(v string) (*User, error) { return u.SetPassword(ctx, "budi", "short", v) }, ErrInvalid, nil},
		{"password", func(v string) (*User, error) { return u.SetPassword(ctx, "budi", "lensa-50mm-f1.8", v) }, nil,
			func(*User) string {
				if _, err := u.Authenticate(ctx, "budi", "kamera-canon-r6"); !errors.Is(err, ErrUnauthorized) {
					return fmt.Sprintf("old password: %v, want ErrUnauthorized", err)
				}
				if _, err := u.Authenticate(ctx, "budi", "lensa-50mm-f1.8"); err != nil {
					return fmt.Sprintf("new password: %v", err)
				}
				return ""
			}},
		{"disable", func(v string) (*User, error) { return u.Disable(ctx, "budi", v) }, nil,
			func(got *User) string { return want(got.Disabled, true) }},
		{"unknown user", func(v string) (*User, error) { return u.SetRole(ctx, "nobody", RoleEditor, "") }, ErrNotFound, nil},
	}
	for _, tt := range tests {
		before, err := u.Get(ctx, "budi")
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
		got, err := tt.change(before.Version)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.Version == before.Version || !got.UpdatedAt.Equal(c.Now()) || !got.CreatedAt.Equal(before.CreatedAt) {
			t.Errorf("%s: version %s -> %s, updated %s (now %s), created %s -> %s", tt.name,
				before.Version, got.Version, got.UpdatedAt, c.Now(), before.CreatedAt, got.CreatedAt)
		}
		stored, err := u.Get(ctx, "budi")
		if err != nil {
			t.Fatal(err)
		}
		if *stored != *got {
			t.Errorf("%s: returned %+v, stored %+v", tt.name, *got, *stored)
		}
		if msg := tt.check(stored); msg != "" {
			t.Errorf("%s: %s", tt.name, msg)
		}
	}
}

func want[T comparable](got, want T) string {
	if got != want {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	return ""
}

// testStaleVersion: an admin's change made on what they saw fails once
// another admin has changed the account meanwhile.
func testStaleVersion(t *testing.T, s assets.Store) {
	ctx := t.Context()
	u := newUsers(s, newClock())
	added, err := u.Add(ctx, "dewi", RoleStaff, "kamera-canon-r6")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.SetRole(ctx, "dewi", RoleEditor, added.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := u.SetRole(ctx, "dewi", RoleViewer, added.Version); !errors.Is(err, ErrConflict) {
		t.Errorf("change on a stale version: error = %v, want ErrConflict", err)
	}
	if got, err := u.Get(ctx, "dewi"); err != nil || got.Role != RoleEditor {
		t.Errorf("after the refused change: %+v, %v; want role editor", got, err)
	}
}

// readBarrier holds every write until n reads have happened, so that
// concurrent read-modify-writes all read the same version and only the
// store's conditional write can tell them apart.
type readBarrier struct {
	assets.Store
	reads sync.WaitGroup
}

// Get reads the whole object before it counts as read: the s3store reads
// lazily, and a body read after the object changed fails.
func (b *readBarrier) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	defer b.reads.Done()
	r, o, err := b.Store.Get(ctx, key)
	if err != nil {
		return nil, o, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, o, err
	}
	return bytesReader{bytes.NewReader(data)}, o, nil
}

type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }

func (b *readBarrier) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	b.reads.Wait()
	return b.Store.Put(ctx, key, r, size, opts)
}

// race runs change once per role at the same time and says which role's
// change succeeded and how many lost with ErrConflict; any other error
// fails the test.
func race(t *testing.T, what string, roles []string, change func(role string) error) (winner string, conflicts int) {
	t.Helper()
	errs := make([]error, len(roles))
	var wg sync.WaitGroup
	for i, role := range roles {
		wg.Go(func() { errs[i] = change(role) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			winner = roles[i]
		case errors.Is(err, ErrConflict):
			conflicts++
		default:
			t.Errorf("%s(%s): %v", what, roles[i], err)
		}
	}
	return winner, conflicts
}

func testUpdateRace(t *testing.T, s assets.Store) {
	ctx := t.Context()
	if _, err := newUsers(s, newClock()).Add(ctx, "sari", RoleStaff, "kamera-canon-r6"); err != nil {
		t.Fatal(err)
	}
	roles := []string{RoleEditor, RoleCoordinator}
	b := &readBarrier{Store: s}
	b.reads.Add(len(roles))
	u := newUsers(b, newClock())
	winner, conflicts := race(t, "SetRole", roles, func(role string) error {
		_, err := u.SetRole(ctx, "sari", role, "")
		return err
	})
	if conflicts != 1 || winner == "" {
		t.Fatalf("winner %q, %d conflicts: want one success and one ErrConflict", winner, conflicts)
	}
	got, err := newUsers(s, newClock()).Get(ctx, "sari")
	if err != nil || got.Role != winner {
		t.Errorf("stored %+v, %v; want the winner's role %s", got, err, winner)
	}
}

func testAddRace(t *testing.T, s assets.Store) {
	ctx := t.Context()
	u := newUsers(s, newClock())
	roles := []string{RoleEditor, RoleViewer, RoleStaff}
	winner, conflicts := race(t, "Add", roles, func(role string) error {
		_, err := u.Add(ctx, "agus", role, "kamera-canon-r6")
		return err
	})
	if conflicts != len(roles)-1 || winner == "" {
		t.Fatalf("winner %q, %d conflicts: want one success and the rest ErrConflict", winner, conflicts)
	}
	if got, err := u.Get(ctx, "agus"); err != nil || got.Role != winner {
		t.Errorf("stored %+v, %v; want the winner's role %s", got, err, winner)
	}
}

func testList(t *testing.T, s assets.Store) {
	ctx := t.Context()
	u := newUsers(s, newClock())
	if got, err := u.List(ctx); err != nil || len(got) != 0 {
		t.Errorf("List of none = %v, %v", got, err)
	}
	for _, name := range []string{"rina", "agus", "budi"} {
		if _, err := u.Add(ctx, name, RoleStaff, "kamera-canon-r6"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := u.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, usr := range got {
		names = append(names, usr.Name)
	}
	if strings.Join(names, ",") != "agus,budi,rina" {
		t.Errorf("List names = %v, want agus, budi, rina", names)
	}
}

// TestAuthenticateTiming: with the real parameters, an unknown name costs
// a full hash like a wrong password does, and gets the same error.
// TestAuthenticateTiming checks that an unknown name costs what a wrong
// password costs, so the time of an answer does not tell which accounts
// exist: both wait for a hashing slot and verify against a hash made with
// the same parameters. (BenchmarkAuthenticate prints the two times; a
// timed assertion would fail on a busy machine.)
func TestAuthenticateTiming(t *testing.T) {
	ctx := t.Context()
	// The store reads even for a cancelled caller, so that the only thing
	// a cancelled attempt can wait for is a hashing slot.
	u := NewUsers(readsWhenCancelled{tempstore.New(t)}, discard(), UsersOptions{})
	if _, err := u.Add(ctx, "rina", RoleStaff, "kamera-canon-r6"); err != nil {
		t.Fatal(err)
	}
	var rec userRecord
	if _, err := assets.ReadJSON(ctx, u.store, userKey("rina"), &rec); err != nil {
		t.Fatal(err)
	}
	gotP, gotSalt, gotKey, err := decodeHash(u.dummy)
	if err != nil {
		t.Fatal(err)
	}
	wantP, wantSalt, wantKey, err := decodeHash(rec.PasswordHash)
	if err != nil {
		t.Fatal(err)
	}
	if gotP != wantP || len(gotSalt) != len(wantSalt) || len(gotKey) != len(wantKey) {
		t.Errorf("unknown names verify against %+v (salt %d, key %d), accounts against %+v (salt %d, key %d)",
			gotP, len(gotSalt), len(gotKey), wantP, len(wantSalt), len(wantKey))
	}

	// With every hashing slot taken, both kinds of attempt wait for one:
	// neither answers before it has done the same work.
	for range cap(u.slots) {
		u.slots <- struct{}{}
	}
	for _, name := range []string{"rina", "siti"} {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := u.Authenticate(cctx, name, "wrong-password"); !errors.Is(err, context.Canceled) {
			t.Errorf("Authenticate(%s) with no free hashing slot = %v, want it to wait for one", name, err)
		}
	}
	for range cap(u.slots) {
		<-u.slots
	}

	_, errWrong := u.Authenticate(ctx, "rina", "wrong-password")
	_, errUnknown := u.Authenticate(ctx, "siti", "wrong-password")
	if !errors.Is(errWrong, ErrUnauthorized) || !errors.Is(errUnknown, ErrUnauthorized) ||
		strings.Replace(errWrong.Error(), "rina", "siti", 1) != errUnknown.Error() {
		t.Errorf("errors differ: %q and %q", errWrong, errUnknown)
	}
}

type readsWhenCancelled struct{ assets.Store }

func (s readsWhenCancelled) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	return s.Store.Get(context.WithoutCancel(ctx), key)
}

func (s readsWhenCancelled) Stat(ctx context.Context, key string) (assets.Object, error) {
	return s.Store.Stat(context.WithoutCancel(ctx), key)
}

// BenchmarkAuthenticate prints what a wrong password and an unknown name
// each cost: they should be alike.
func BenchmarkAuthenticate(b *testing.B) {
	u := NewUsers(tempstore.New(b), discard(), UsersOptions{})
	if _, err := u.Add(b.Context(), "rina", RoleStaff, "kamera-canon-r6"); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"rina", "siti"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := u.Authenticate(b.Context(), name, "wrong-password"); !errors.Is(err, ErrUnauthorized) {
					b.Fatal(err)
				}
			}
		})
	}
}
