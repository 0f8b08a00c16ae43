package shares

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
)

var (
	t0  = time.Date(2026, 8, 18, 9, 0, 0, 0, time.UTC)
	ids = []string{strings.Repeat("a", 64), strings.Repeat("b", 64)}
)

func newService(t *testing.T) (*Service, assets.Store, *time.Time) {
	t.Helper()
	store, err := diskstore.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	return New(store, func() time.Time { return now }), store, &now
}

func TestCreateInvalid(t *testing.T) {
	s, _, _ := newService(t)
	cases := []struct {
		name    string
		channel string
		ids     []string
		expires time.Time
	}{
		{"unknown channel", "instagram_feed", ids, t0.Add(time.Hour)},
		{"no picks", ChannelWeb, nil, t0.Add(time.Hour)},
		{"in the past", ChannelWeb, ids, t0},
		{"past 30 days", ChannelOriginal, ids, t0.Add(MaxLifetime + time.Second)},
	}
	for _, c := range cases {
		if _, _, err := s.Create(t.Context(), "budi", "lip-20260817-abcdef", c.channel, c.ids, c.expires); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", c.name, err)
		}
	}
	if _, _, err := s.Create(t.Context(), "budi", "lip-20260817-abcdef", ChannelWeb, ids, t0.Add(MaxLifetime)); err != nil {
		t.Errorf("exactly 30 days: %v", err)
	}
}

// TestLifecycle: a link opens until it expires or is revoked, then is
// gone; the bank holds only the token's hash.
func TestLifecycle(t *testing.T) {
	s, store, now := newService(t)
	ctx := t.Context()
	token, sh, err := s.Create(ctx, "budi", "lip-20260817-abcdef", ChannelWeb, ids, t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 22 || sh.ID != assets.SecretID(token) {
		t.Fatalf("token %q (%d chars), id %s", token, len(token), sh.ID)
	}
	rd, _, err := store.Get(ctx, Key(sh.ID))
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := io.ReadAll(rd)
	rd.Close()
	if bytes.Contains(rec, []byte(token)) {
		t.Errorf("the record holds the token: %s", rec)
	}
	open := func(when string, want error) {
		t.Helper()
		got, err := s.Resolve(ctx, token)
		if !errors.Is(err, want) || err == nil && (got.ID != sh.ID || len(got.Assets) != 2) {
			t.Errorf("%s: got %+v, %v; want %v", when, got, err, want)
		}
	}
	open("fresh", nil)
	if _, err := s.Resolve(ctx, strings.Repeat("A", 22)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	if _, err := s.Resolve(ctx, "../../users/admin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed token: %v, want ErrNotFound", err)
	}
	*now = t0.Add(48*time.Hour - time.Second)
	open("a second before expiry", nil)
	*now = t0.Add(48 * time.Hour)
	open("at expiry", ErrGone)

	*now = t0.Add(time.Second)
	token2, sh2, err := s.Create(ctx, "dewi", "lip-20260817-abcdef", ChannelOriginal, ids[:1], t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(ctx, "dewi", "lip-20260901-000000", ChannelOriginal, ids[:1], t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	*now = t0.Add(time.Minute)
	if _, err := s.Revoke(ctx, "head", sh2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, token2); !errors.Is(err, ErrGone) {
		t.Errorf("revoked: %v, want ErrGone", err)
	}
	if again, err := s.Revoke(ctx, "admin", sh2.ID); err != nil || again.RevokedBy != "head" {
		t.Errorf("revoke again: %+v, %v; want the first revoke kept", again, err)
	}
	list, err := s.List(ctx, "lip-20260817-abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != sh2.ID || list[1].ID != sh.ID {
		t.Errorf("list: %+v, want the two links of the coverage, newest first", list)
	}
	if _, err := s.Revoke(ctx, "head", strings.Repeat("0", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v, want ErrNotFound", err)
	}
}
