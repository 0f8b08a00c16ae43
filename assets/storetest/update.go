package storetest

import (
	"errors"
	"slices"
	"testing"

	"mediabank/assets"
)

// counter is the record the UpdateRecord tests change.
type counter struct {
	N       int   `json:"n"`
	Writers []int `json:"writers,omitempty"`
}

// testUpdateRecord checks assets.UpdateRecord over this store: what each
// outcome leaves, and that concurrent writers lose no update.
func testUpdateRecord(t *testing.T, s assets.Store) {
	const key = "collections/update.json"
	fresh := func(t *testing.T) string {
		t.Helper()
		obj, err := assets.WriteJSON(t.Context(), s, key, &counter{N: 1}, assets.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return obj.ETag
	}
	errRefused := errors.New("refused")
	tests := []struct {
		name        string
		key         string
		opts        func(etag string) assets.UpdateOptions
		change      func(t *testing.T, c *counter) error
		wantErr     error
		wantN       int // in the store afterwards
		wantWritten bool
	}{
		{"change", key, nil, func(_ *testing.T, c *counter) error { c.N++; return nil }, nil, 2, true},
		{"unchanged skips the write", key, nil, func(_ *testing.T, c *counter) error { c.N = 9; return assets.ErrUnchanged }, nil, 1, false},
		{"change refuses", key, nil, func(_ *testing.T, c *counter) error { c.N = 9; return errRefused }, errRefused, 1, false},
		{"missing record", "collections/absent.json", nil, func(_ *testing.T, c *counter) error { c.N++; return nil }, assets.ErrNotFound, 1, false},
		{"caller's etag", key, func(etag string) assets.UpdateOptions { return assets.UpdateOptions{IfMatch: etag} },
			func(_ *testing.T, c *counter) error { c.N++; return nil }, nil, 2, true},
		{"stale caller's etag", key, func(string) assets.UpdateOptions { return assets.UpdateOptions{IfMatch: "0123456789abcdef"} },
			func(_ *testing.T, c *counter) error { c.N++; return nil }, assets.ErrPrecondition, 1, false},
		{"someone always writes first: gives up", key, func(string) assets.UpdateOptions { return assets.UpdateOptions{Attempts: 3} },
			func(t *testing.T, c *counter) error {
				// Another writer slips in between every read and write (with
				// new bytes: S3's ETag is their MD5).
				if _, err := assets.WriteJSON(t.Context(), s, key, &counter{N: c.N + 100}, assets.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				c.N++
				return nil
			}, assets.ErrPrecondition, 301, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			etag := fresh(t)
			var opts assets.UpdateOptions
			if tc.opts != nil {
				opts = tc.opts(etag)
			}
			got, err := assets.UpdateRecord(t.Context(), s, tc.key, opts, func(c *counter) error { return tc.change(t, c) })
			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("err: got %v, want %v", err, tc.wantErr)
			}
			if got.Written != tc.wantWritten {
				t.Errorf("Written: got %v, want %v", got.Written, tc.wantWritten)
			}
			var stored counter
			storedETag, err := assets.ReadJSON(t.Context(), s, key, &stored)
			if err != nil {
				t.Fatal(err)
			}
			if stored.N != tc.wantN {
				t.Errorf("stored n: got %d, want %d", stored.N, tc.wantN)
			}
			if tc.wantWritten && got.ETag != storedETag {
				t.Errorf("ETag: got %q, the store has %q", got.ETag, storedETag)
			}
		})
	}
	t.Run("concurrent writers lose nothing", func(t *testing.T) { testConcurrentUpdates(t, s) })
}

// testConcurrentUpdates has writers goroutines add themselves to one
// record at once, several times each: every addition must be there.
func testConcurrentUpdates(t *testing.T, s assets.Store) {
	const key, rounds = "collections/concurrent.json", 3
	if _, err := assets.WriteJSON(t.Context(), s, key, &counter{}, assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Every lost race is another writer's win, so this many attempts
	// always suffice: the test shows no update is lost, not how often
	// writers collide.
	opts := assets.UpdateOptions{Attempts: writers * rounds}
	_, errs := race(func(i int) (assets.Object, error) {
		for range rounds {
			if _, err := assets.UpdateRecord(t.Context(), s, key, opts, func(c *counter) error {
				c.N++
				c.Writers = append(c.Writers, i)
				return nil
			}); err != nil {
				return assets.Object{}, err
			}
		}
		return assets.Object{}, nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	var got counter
	if _, err := assets.ReadJSON(t.Context(), s, key, &got); err != nil {
		t.Fatal(err)
	}
	if got.N != writers*rounds {
		t.Errorf("n: got %d, want %d", got.N, writers*rounds)
	}
	slices.Sort(got.Writers)
	var want []int
	for i := range writers {
		for range rounds {
			want = append(want, i)
		}
	}
	if !slices.Equal(got.Writers, want) {
		t.Errorf("writers recorded: got %v, want %v", got.Writers, want)
	}
}
