package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{`"wali kota`, "unterminated quote at offset 0"},
		{`banjir caption:"wali`, "unterminated quote at offset 15"},
		{"lokasi:ciledug", `unknown field "lokasi"; known fields: by, camera, caption, city, collection, country, creator, headline, id, keyword, keywords, lens, make, model, name, photographer, taken, type, year`},
		{"http://example.com", `unknown field "http"`},
		{"camera:", "camera: missing value"},
		{`creator:"  "`, "creator: missing value"},
		{"camera: nikon", "camera: missing value"},
		{"type:gambar", `type "gambar": want photo, video, audio or document`},
		{"year:26", `year "26": want four digits`},
		{"year:20x6", `year "20x6": want four digits`},
		{"id:xyz", `id "xyz": want hex digits`},
		{"id:" + strings.Repeat("a", 65), "want hex digits"},
		{"taken:2026-13", `taken "2026-13": bad date "2026-13"`},
		{"taken:2026-02-30", `bad date "2026-02-30"`},
		{"taken:17-08-2026", `bad date "17-08-2026"`},
		{"taken:26-08-01", `bad date "26-08-01": want YYYY, YYYY-MM or YYYY-MM-DD`},
		{"taken:>=", `bad date ""`},
		{"taken:..", "want a date on at least one side"},
		{"taken:2026-09-01..2026-08-01", "the range is empty"},
		{"taken:2026-08-01..x", `bad date "x"`},
		{"taken:0001", "year out of 1800..2200"},
		{"taken:9999-12-31", "year out of 1800..2200"},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query, nil)
		if err == nil {
			t.Errorf("ParseQuery(%q) = %T, want error %q", tt.query, q, tt.want)
			continue
		}
		if !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseQuery(%q) error = %q, want ErrQuery containing %q", tt.query, err, tt.want)
		}
	}
}

// TestParseQueryDates checks the bounds of date clauses in a zone other
// than the default, so the zone argument is seen to matter.
func TestParseQueryDates(t *testing.T) {
	utc := time.UTC
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, utc) }
	tests := []struct {
		query      string
		start, end time.Time // end exclusive; zero means open
		terms      int       // how many terms match the range
	}{
		{"taken:2026-08-17", day(2026, 8, 17), day(2026, 8, 18), 1},
		{"taken:2026-08", day(2026, 8, 1), day(2026, 9, 1), 1},
		{"taken:2026-12", day(2026, 12, 1), day(2027, 1, 1), 1},
		{"taken:2026", day(2026, 1, 1), day(2027, 1, 1), 1},
		{"taken:>=2026-08-01", day(2026, 8, 1), time.Time{}, 5 + maxYear - 2026},
		{"taken:>2026-08", day(2026, 9, 1), time.Time{}, 4 + maxYear - 2026},
		{"taken:<2026-09-01", time.Time{}, day(2026, 9, 1), 2026 - minYear + 8},
		{"taken:<=2026-08-31", time.Time{}, day(2026, 9, 1), 2026 - minYear + 8},
		{"taken:2026-08-01..2026-08-31", day(2026, 8, 1), day(2026, 9, 1), 1},
		{`taken:"2024-02-29"`, day(2024, 2, 29), day(2024, 3, 1), 1},
		// 17 days of January, February, 10 days of March.
		{"taken:2024-01-15..2024-03-10", day(2024, 1, 15), day(2024, 3, 11), 17 + 1 + 10},
		// 3 days, 11 months, two years, 2 months, 1 day.
		{"taken:2021-12-29..2024-03-01", day(2021, 12, 29), day(2024, 3, 2), 3 + 2 + 2 + 1},
		{"taken:2021-01-02..2021-12-31", day(2021, 1, 2), day(2022, 1, 1), 30 + 11},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query, utc)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.query, err)
			continue
		}
		terms := map[string]bool{}
		for _, tq := range dayQueryTerms(t, q) {
			terms[tq.FieldVal+"/"+tq.Term] = true
		}
		if len(terms) != tt.terms {
			t.Errorf("ParseQuery(%q): %d terms, want %d", tt.query, len(terms), tt.terms)
		}
		// Every day from a year before the range to a year after it (two
		// years of an open side) is matched by exactly one term if it is
		// in the range, else by none.
		from, to := tt.start, tt.end
		if from.IsZero() {
			from = to.AddDate(-2, 0, 0)
		}
		if to.IsZero() {
			to = from.AddDate(2, 0, 0)
		}
		for d := from.AddDate(-1, 0, 0); d.Before(to.AddDate(1, 0, 0)); d = d.AddDate(0, 0, 1) {
			n := 0
			for _, k := range []string{fYear + "/" + yearTerm(d), fFacets + "/" + monthTerm(d), fFacets + "/" + dayTerm(d)} {
				if terms[k] {
					n++
				}
			}
			in := (tt.start.IsZero() || !d.Before(tt.start)) && (tt.end.IsZero() || d.Before(tt.end))
			if want := map[bool]int{true: 1, false: 0}[in]; n != want {
				t.Errorf("ParseQuery(%q): day %s matched by %d terms, want %d", tt.query, d.Format(time.DateOnly), n, want)
			}
		}
	}
}

// dayQueryTerms returns the terms of a taken: query, which are ORed.
func dayQueryTerms(t *testing.T, q query.Query) []*query.TermQuery {
	t.Helper()
	dq, ok := q.(*query.DisjunctionQuery)
	if !ok {
		t.Fatalf("got %T, want *query.DisjunctionQuery", q)
	}
	tqs, ok := termsOf(dq)
	if !ok {
		t.Fatalf("got %v, want an OR of terms", q)
	}
	return tqs
}

func TestParseQueryShape(t *testing.T) {
	tests := []struct {
		query string
		want  string // the Go type of the top query
	}{
		{"", "*query.MatchAllQuery"},
		{"di dan yang the", "*query.MatchAllQuery"},
		// A word is an OR of its term in each word field; a phrase an OR
		// of the phrase in each (a wordQuery, which ranks); a clause of
		// several words an AND.
		{"banjir", "*search.wordQuery"},
		{`"banjir"`, "*search.wordQuery"},
		{`"wali kota"`, "*search.wordQuery"},
		{"DSC_0042", "*query.ConjunctionQuery"},
		{"banjir ciledug", "*query.ConjunctionQuery"},
		{"-banjir", "*query.BooleanQuery"},
		{"-di", "*query.MatchAllQuery"},
		{"type:video", "*query.TermQuery"},
		{"id:abc", "*query.PrefixQuery"},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query, nil)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.query, err)
			continue
		}
		if got := fmt.Sprintf("%T", q); got != tt.want {
			t.Errorf("ParseQuery(%q) = %s, want %s", tt.query, got, tt.want)
		}
	}
}

func TestCameraName(t *testing.T) {
	tests := []struct {
		make, model, want string
	}{
		{"NIKON CORPORATION", "NIKON D70", "Nikon D70"},
		{"NIKON CORPORATION", "NIKON Z 6_2", "Nikon Z 6_2"},
		{"Canon", "Canon EOS R6", "Canon EOS R6"},
		{"Canon", "Canon EOS 5D Mark IV", "Canon EOS 5D Mark IV"},
		{"SONY", "ILCE-7M3", "Sony ILCE-7M3"},
		{"OLYMPUS IMAGING CORP.  ", "E-M10", "Olympus E-M10"},
		{"FUJIFILM", "X-T4", "Fujifilm X-T4"},
		{"samsung", "SM-S918B", "Samsung SM-S918B"},
		{"Apple", "iPhone 15 Pro", "Apple iPhone 15 Pro"},
		{"DJI", "FC3582", "DJI FC3582"},
		{"Acme Optical", "Acme  X1", "Acme Optical Acme X1"},
		{"", "GoPro HERO11", "GoPro HERO11"},
		{"Canon", "", "Canon"},
		{"", "", ""},
		{"Nikon", "Nikon", "Nikon Nikon"},
	}
	for _, tt := range tests {
		if got := cameraName(tt.make, tt.model); got != tt.want {
			t.Errorf("cameraName(%q, %q) = %q, want %q", tt.make, tt.model, got, tt.want)
		}
	}
}

// FuzzParseQuery feeds editors' (untrusted) input to the parser and runs
// what it accepts against a small index: nothing may panic, and an
// accepted query must run.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "banjir", `"wali kota" -video`, "camera:nikon taken:2026-08",
		"taken:2026-08-01..2026-08-31", "taken:>=2026", "-", `"`, `a"b"c`,
		"id:ABC", "by:\"Budi Santoso\"", "x:y:z", "taken:..2026", "\xff\xfe",
		"type:foto year:2026 -caption:banjir", "DSC_0042.NEF",
	} {
		f.Add(s)
	}
	ix, _ := newFixtureIndex(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ix.parser.parse(s)
		if err != nil {
			if !errors.Is(err, ErrQuery) {
				t.Fatalf("parse(%q) error %v is not ErrQuery", s, err)
			}
			return
		}
		if q == nil {
			t.Fatalf("parse(%q) = nil without error", s)
		}
		if v, ok := q.(query.ValidatableQuery); ok {
			if err := v.Validate(); err != nil {
				t.Fatalf("parse(%q) gave an invalid query: %v", s, err)
			}
		}
		if _, err := ix.Search(context.Background(), Request{Query: s, Facets: true}); err != nil {
			t.Fatalf("Search(%q): %v", s, err)
		}
	})
}

// TestParseQueryLimits: a query costs in proportion to its clauses, so
// their number and the query's length are capped with a clear error that
// does not echo the whole query back (issue 10 #12).
func TestParseQueryLimits(t *testing.T) {
	clauses := func(n int) string { return strings.TrimSpace(strings.Repeat("taken:2026-08 ", n)) }
	for _, tc := range []struct {
		name, query, want string
	}{
		{"as many clauses as allowed", clauses(MaxClauses), ""},
		{"one clause too many", clauses(MaxClauses + 1), fmt.Sprintf("%d clauses: at most %d", MaxClauses+1, MaxClauses)},
		{"thirty thousand date ranges", clauses(30000), fmt.Sprintf("at most %d characters", MaxQueryLen)},
		{"one long word", strings.Repeat("a", MaxQueryLen+1), fmt.Sprintf("%d characters: at most %d", MaxQueryLen+1, MaxQueryLen)},
		{"long but within", strings.Repeat("a", MaxQueryLen), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseQuery(tc.query, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != "" && (!errors.Is(err, ErrQuery) || !strings.Contains(fmt.Sprint(err), tc.want)):
				t.Errorf("error %v, want ErrQuery containing %q", err, tc.want)
			case err != nil && len(err.Error()) > 300:
				t.Errorf("error of %d bytes: the query is echoed back", len(err.Error()))
			}
		})
	}
}
