package collections

import (
	"strings"
	"testing"
	"time"

	"mediabank/internal/tempstore"
)

// TestConfiguredZone: the zone given to the service (MEDIABANK_TZ, passed
// in by cmd/mediabank) dates collection ids, and the one given to the
// decoders reads times without an offset; neither is fixed to WIB.
func TestConfiguredZone(t *testing.T) {
	// 20:00 UTC on the 16th is the 17th in Jakarta, still the 16th in
	// New York (UTC-4 in August).
	at := time.Date(2026, 8, 16, 20, 0, 0, 0, time.UTC)
	newYork := time.FixedZone("EDT", -4*60*60)
	tests := []struct {
		name     string
		zone     *time.Location
		wantDate string
	}{
		{"office default", nil, "lip-20260817-"},
		{"configured", newYork, "lip-20260816-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := New(Config{Store: tempstore.New(t), Policy: sopPolicy, Clock: func() time.Time { return at }, Zone: tc.zone})
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := svc.Create(t.Context(), head, Event{Title: "Rapat paripurna"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.ID, tc.wantDate) {
				t.Errorf("id %s, want %s…", c.ID, tc.wantDate)
			}
		})
	}
	ev, err := DecodeEvent([]byte(`{"title":"Rapat","starts_at":"2026-08-17T09:00"}`), newYork)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 8, 17, 13, 0, 0, 0, time.UTC); !ev.StartsAt.Equal(want) {
		t.Errorf("starts_at %v, want %v (09:00 in New York)", ev.StartsAt, want)
	}
}
