// Package office holds the office's calendar: its time zone, and periods
// of whole days in it, as people give them in reports and queries.
package office

import (
	"fmt"
	"time"
)

// ZoneName is the zone cmd/mediabank loads when configuration names none
// (MEDIABANK_TZ).
const ZoneName = "Asia/Jakarta"

// Zone is the office's zone for packages given none (tests, tools): WIB,
// UTC+7. Indonesia has had no daylight saving since 1964, so a fixed zone
// gives the same times as ZoneName without needing tzdata; cmd/mediabank
// passes the configured zone everywhere.
func Zone() *time.Location { return time.FixedZone("WIB", 7*60*60) }

// ParsePeriod reads the period [from, to) a person asks for: each a date
// (2026-08-17, a whole day in zone, to counting whole) or an RFC 3339
// time. An empty from is days before now, an empty to is now.
func ParsePeriod(from, to string, days int, now time.Time, zone *time.Location) (time.Time, time.Time, error) {
	f, err := parseBound("from", from, now.AddDate(0, 0, -days), zone, false)
	if err != nil {
		return f, f, err
	}
	t, err := parseBound("to", to, now, zone, true)
	return f, t, err
}

func parseBound(name, v string, def time.Time, zone *time.Location, endOfDay bool) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q: want a date like 2026-08-17 or an RFC 3339 time", name, v)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}
