package office

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	wib := time.FixedZone("WIB", 7*60*60)
	now := time.Date(2026, 8, 31, 15, 4, 0, 0, wib)
	tests := []struct {
		name, from, to   string
		wantFrom, wantTo time.Time
		wantErr          bool
	}{
		{"defaults", "", "", now.AddDate(0, 0, -30), now, false},
		{"dates are whole days", "2026-08-01", "2026-08-17",
			time.Date(2026, 8, 1, 0, 0, 0, 0, wib), time.Date(2026, 8, 18, 0, 0, 0, 0, wib), false},
		{"times", "2026-08-01T09:00:00+07:00", "2026-08-01T10:00:00Z",
			time.Date(2026, 8, 1, 9, 0, 0, 0, wib), time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC), false},
		{"bad from", "17-08-2026", "", time.Time{}, time.Time{}, true},
		{"bad to", "", "besok", time.Time{}, time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, to, err := ParsePeriod(tc.from, tc.to, 30, now, wib)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if !f.Equal(tc.wantFrom) || !to.Equal(tc.wantTo) {
				t.Errorf("got [%v, %v), want [%v, %v)", f, to, tc.wantFrom, tc.wantTo)
			}
		})
	}
}

func TestZone(t *testing.T) {
	at := time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC).In(Zone())
	if _, off := at.Zone(); off != 7*60*60 {
		t.Errorf("offset %d s, want UTC+7", off)
	}
}
