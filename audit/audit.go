// Package audit keeps the append-only log of who did what to which asset
// or collection, when and from where, in the bank itself.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"mediabank/assets"
	"mediabank/internal/defaults"
)

// Prefix is where the log lives in the bucket: one object per entry,
// written once, under a day folder so a day can be listed alone.
const Prefix = "audit/"

// Entry is one thing somebody did.
type Entry struct {
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Action string    `json:"action"` // the policy action, e.g. asset.edit
	Target string    `json:"target,omitempty"`
	From   string    `json:"from,omitempty"` // client address
	Detail string    `json:"detail,omitempty"`
}

// Log writes entries to a store.
type Log struct {
	store assets.Store
	now   func() time.Time
}

// New returns a Log over store; now may be nil for the wall clock.
func New(store assets.Store, now func() time.Time) *Log {
	return &Log{store: store, now: defaults.Clock(now)}
}

// Record appends e, stamping its time when unset. The key starts with the
// time so that a listing is in order; the random part keeps two entries
// of the same nanosecond apart, and the write is create-only.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = l.now()
	}
	e.At = e.At.UTC()
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := Prefix + e.At.Format("2006/01/02/150405.000000000") + "-" + hex.EncodeToString(b[:]) + ".json"
	if _, err := assets.WriteJSON(ctx, l.store, key, e, assets.PutOptions{IfNoneMatch: true}); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// List returns the entries of the days from..to (inclusive, UTC days), in
// time order, at most limit of them (the newest when there are more).
func (l *Log) List(ctx context.Context, from, to time.Time, limit int) ([]Entry, error) {
	var out []Entry
	for day := from.UTC().Truncate(24 * time.Hour); !day.After(to.UTC()); day = day.Add(24 * time.Hour) {
		err := l.store.List(ctx, Prefix+day.Format("2006/01/02/"), func(o assets.Object) error {
			if !strings.HasSuffix(o.Key, ".json") {
				return nil
			}
			var e Entry
			if _, err := assets.ReadJSON(ctx, l.store, o.Key, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: list %s: %w", day.Format("2006-01-02"), err)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}
