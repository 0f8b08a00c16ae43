package web

import (
	"slices"
	"strings"
	"testing"
	"time"

	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

var wib = time.FixedZone("WIB", 7*60*60)

func TestDatesAndNumbers(t *testing.T) {
	id := formatter{lang: auth.LangIndonesian, zone: wib}
	en := formatter{lang: auth.LangEnglish, zone: wib}
	at := time.Date(2026, 8, 17, 2, 15, 0, 0, time.UTC) // 09.15 in Jakarta
	for _, tc := range []struct {
		name, got, want string
	}{
		{"date and time, Indonesian", id.dateTime(at), "17 Agustus 2026, 09.15 WIB"},
		{"date and time, English", en.dateTime(at), "17 August 2026, 09:15 WIB"},
		{"date only", id.date(at), "17 Agustus 2026"},
		{"zero time is blank", id.dateTime(time.Time{}), ""},
		{"the office's day, not UTC's", id.date(time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC)), "1 Januari 2027"},
		{"thousands, Indonesian", id.number(1234567, 0), "1.234.567"},
		{"thousands, English", en.number(1234567, 0), "1,234,567"},
		{"decimals, Indonesian", id.number(1234.5, 1), "1.234,5"},
		{"decimals, English", en.number(1234.5, 1), "1,234.5"},
		{"negative", id.number(-1500, 0), "-1.500"},
		{"small", id.number(7, 0), "7"},
		{"bytes", id.bytes(512), "512 B"},
		{"kilobytes", id.bytes(157_388), "153,7 KB"},
		{"megabytes, English", en.bytes(25 << 20), "25.0 MB"},
		{"minutes", id.minutes(45), "45 mnt"},
		{"hours", id.minutes(180), "3 jam"},
		{"hours and minutes", id.minutes(65.4), "1 jam 5 mnt"},
		{"hours and minutes, English", en.minutes(90), "1 h 30 min"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestCatalogues(t *testing.T) {
	cat, err := loadCatalogues(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat[auth.LangIndonesian]) < 100 || len(cat[auth.LangIndonesian]) != len(cat[auth.LangEnglish]) {
		t.Fatalf("catalogues have %d and %d messages", len(cat[auth.LangIndonesian]), len(cat[auth.LangEnglish]))
	}
	// Every workflow state, action, role and SOP span has a name in both.
	var keys []string
	for _, st := range collections.States() {
		keys = append(keys, "state."+string(st))
	}
	for _, a := range collections.Actions() {
		keys = append(keys, "act."+a)
	}
	for _, r := range auth.Roles() {
		keys = append(keys, "role."+r)
	}
	for _, it := range collections.DefaultChecklist() {
		keys = append(keys, "equip."+it.Item)
	}
	for _, o := range search.SortOrders() {
		keys = append(keys, "sort."+o)
	}
	for _, sp := range []string{"1", "2", "3", "4", "5", "6-7", "8", "9", "10", "11", "12"} {
		keys = append(keys, "span."+sp)
	}
	for _, lang := range languages {
		for _, k := range keys {
			if got := cat.text(lang, k); strings.HasPrefix(got, missingMark) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		// Placeholders must match between the languages, or one of them
		// prints %!s(MISSING).
		for k, v := range cat[lang] {
			if strings.Count(v, "%") != strings.Count(cat[auth.LangIndonesian][k], "%") {
				t.Errorf("%s %q has other placeholders than id: %q", lang, k, v)
			}
		}
	}
	if got := cat.text(auth.LangIndonesian, "no.such.key"); !strings.HasPrefix(got, missingMark) {
		t.Errorf("a missing key shows as %q", got)
	}
}

func TestSearchQueryFromFilters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		q      string
		params map[string]string
		want   string
	}{
		{"nothing", "", nil, ""},
		{"words only", "  banjir  ", nil, "banjir"},
		{"a facet", "banjir", map[string]string{"camera": "nikon d70"}, `banjir camera:"nikon d70"`},
		{"quotes cannot break out", "", map[string]string{"creator": `a" -b`}, `creator:"a -b"`},
		{"date range", "", map[string]string{"from": "2026-08-01", "to": "2026-08-31"}, "taken:2026-08-01..2026-08-31"},
		{"from only", "", map[string]string{"from": "2026-08-01"}, "taken:>=2026-08-01"},
		{"to only", "", map[string]string{"to": "2026-08-31"}, "taken:<=2026-08-31"},
		{"a bad date is left out", "", map[string]string{"from": "17/08/2026"}, ""},
		{"several", "upacara", map[string]string{"type": "video", "year": "2026", "collection": "lip-20260817-abcdef"},
			`upacara type:"video" collection:"lip-20260817-abcdef" year:"2026"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fullQuery(tc.q, func(k string) string { return tc.params[k] }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSLAState(t *testing.T) {
	std := collections.DefaultStandards()
	start := time.Date(2026, 8, 17, 9, 0, 0, 0, wib)
	open := func(step int) *collections.Collection {
		return &collections.Collection{History: []collections.Step{{Span: collections.Span{Step: step}, Start: start}}}
	}
	for _, tc := range []struct {
		name string
		c    *collections.Collection
		at   time.Duration
		want string
	}{
		{"fresh", open(1), 2 * time.Minute, slaOnTime},
		{"three quarters of 10 minutes", open(1), 8 * time.Minute, slaDueSoon},
		{"past the standard", open(1), 11 * time.Minute, slaOverdue},
		{"180 minutes of coverage, two hours in", open(5), 2 * time.Hour, slaOnTime},
		{"waiting for the event has no standard", open(0), 48 * time.Hour, slaWaiting},
		{"nothing open", &collections.Collection{}, 0, slaWaiting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _, _ := slaState(tc.c, start.Add(tc.at), std); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCollectionScope(t *testing.T) {
	cols := []*collections.Collection{
		{ID: "lip-1", State: collections.InReview, Event: collections.Event{Agency: "Dinas Kesehatan"}},
		{ID: "lip-2", State: collections.Archived, Event: collections.Event{Agency: "dinas kesehatan "}},
		{ID: "lip-3", State: collections.Archived, Event: collections.Event{Agency: "BPBD"}},
		{ID: "lip-4", State: collections.Created},
	}
	for _, tc := range []struct {
		name, status, agency string
		want                 []string
	}{
		{"neither: no limit", "", "", nil},
		{"blank is neither", " ", "  ", nil},
		{"status", "archived", "", []string{"lip-2", "lip-3"}},
		{"agency, any case and spacing", "", " DINAS KESEHATAN", []string{"lip-1", "lip-2"}},
		{"both", "archived", "dinas kesehatan", []string{"lip-2"}},
		{"no match: empty, not nil", "published", "", []string{}},
		{"an agency is not a prefix", "", "Dinas", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := collectionScope(cols, tc.status, tc.agency)
			if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	if got, want := agencies(cols), []string{"BPBD", "Dinas Kesehatan"}; !slices.Equal(got, want) {
		t.Errorf("agencies = %q, want %q", got, want)
	}
}
