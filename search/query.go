package search

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"

	"mediabank/internal/derrors"
	"mediabank/internal/office"
)

// ErrQuery marks a query the editor typed wrong, so callers can answer
// 400 with the message rather than 500.
var ErrQuery = derrors.New(derrors.Invalid, "bad query")

// fieldKind says how a field:value clause becomes a Bleve query.
type fieldKind int

const (
	kindText  fieldKind = iota // analyzed words or "phrase"
	kindType                   // photo, video, audio, document
	kindYear                   // four digits
	kindID                     // hex prefix of an asset id
	kindTaken                  // a date or a range of dates, of a date field
	kindDays                   // a date or a range of dates, of an asset's day taken
)

// fieldSpec is one field editors may name in a query.
type fieldSpec struct {
	field string
	kind  fieldKind
}

// collectionFields is the field:value vocabulary of collection searches.
var collectionFields = map[string]fieldSpec{
	"title":       {fTitle, kindText},
	"agency":      {fAgency, kindText},
	"skpd":        {fAgency, kindText},
	"opd":         {fAgency, kindText},
	"place":       {fPlace, kindText},
	"description": {fDescription, kindText},
	"state":       {fState, kindText},
	"status":      {fState, kindText},
	"staff":       {fStaff, kindText},
	"date":        {fStarts, kindTaken},
	"id":          {fID, kindID},
}

// queryFields is the field:value vocabulary editors may type.
var queryFields = map[string]fieldSpec{
	"camera":       {fCamera, kindText},
	"make":         {fMake, kindText},
	"model":        {fModel, kindText},
	"lens":         {fLens, kindText},
	"type":         {fType, kindType},
	"creator":      {fCreator, kindText},
	"photographer": {fCreator, kindText},
	"by":           {fCreator, kindText},
	"collection":   {fCollection, kindText},
	"city":         {fCity, kindText},
	"country":      {fCountry, kindText},
	"keyword":      {fKeywords, kindText},
	"keywords":     {fKeywords, kindText},
	"caption":      {fCaption, kindText},
	"headline":     {fHeadline, kindText},
	"name":         {fName, kindText},
	"year":         {fYear, kindYear},
	"id":           {"_id", kindID}, // Bleve's own: an id field would cost reindex time
	"taken":        {"", kindDays},  // the terms of days, months and years (dayTerms)
}

// typeNames accepts the kinds and their Indonesian names.
var typeNames = map[string]string{
	"photo": "photo", "foto": "photo", "video": "video", "audio": "audio",
	"document": "document", "dokumen": "document",
}

// ParseQuery parses the editors' query syntax: plain words (all must
// match), "quoted phrases", -word to exclude, field:value and
// taken:DATE or ranges of dates in zone (nil means office.Zone()). An empty
// query matches everything. Index.Search parses with its own analyzer;
// this builds one per call.
func ParseQuery(q string, zone *time.Location) (query.Query, error) {
	m, err := buildMapping()
	if err != nil {
		return nil, err
	}
	return newParser(m.AnalyzerNamed(textAnalyzer), zone, queryFields, wordFields).parse(q)
}

// parser turns query text into a Bleve query. It holds the index's text
// analyzer to drop words that index nothing (stop words, punctuation),
// which would otherwise make an AND of clauses match nothing.
type parser struct {
	analyzer analysis.Analyzer
	zone     *time.Location
	fields   map[string]fieldSpec
	words    []string // the fields of a clause without a field name
}

func newParser(text analysis.Analyzer, zone *time.Location, fields map[string]fieldSpec, words []string) *parser {
	if zone == nil {
		zone = office.Zone()
	}
	return &parser{analyzer: text, zone: zone, fields: fields, words: words}
}

// MaxQueryLen and MaxClauses bound what one query may cost: an editor's
// query is a few words, and each clause (a date range above all) is work
// for the index on every request.
const (
	MaxQueryLen = 1000 // characters
	MaxClauses  = 32
)

func (p *parser) parse(q string) (query.Query, error) {
	// Checked before anything else, and not quoted back in the error.
	if n := utf8.RuneCountInString(q); n > MaxQueryLen {
		return nil, fmt.Errorf("search: %w: query of %d characters: at most %d characters", ErrQuery, n, MaxQueryLen)
	}
	clauses, err := lex(q)
	if err != nil {
		return nil, fmt.Errorf("search: parse %q: %w", q, err)
	}
	if len(clauses) > MaxClauses {
		return nil, fmt.Errorf("search: %w: %d clauses: at most %d", ErrQuery, len(clauses), MaxClauses)
	}
	var must, mustNot []query.Query
	for _, c := range clauses {
		bq, err := p.clause(c)
		if err != nil {
			return nil, fmt.Errorf("search: parse %q: %w", q, err)
		}
		switch {
		case bq == nil: // nothing searchable, e.g. a stop word
		case c.neg:
			mustNot = append(mustNot, bq)
		default:
			must = append(must, bq)
		}
	}
	switch {
	case len(mustNot) > 0:
		if len(must) == 0 {
			must = []query.Query{query.NewMatchAllQuery()}
		}
		return query.NewBooleanQuery(must, nil, mustNot), nil
	case len(must) == 1:
		return must[0], nil
	case len(must) > 1:
		return query.NewConjunctionQuery(must), nil
	}
	return query.NewMatchAllQuery(), nil
}

// clause is one space-separated piece of a query.
type clause struct {
	neg    bool
	field  string
	value  string
	quoted bool
}

// lex splits q into clauses. It never fails except on an unterminated
// quote, so every other oddity is left to the clause checks.
func lex(q string) ([]clause, error) {
	var out []clause
	for i := 0; i < len(q); {
		r, w := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		var c clause
		if q[i] == '-' {
			c.neg = true
			i++
		}
		j := i
		for j < len(q) && (q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z') {
			j++
		}
		if j > i && j < len(q) && q[j] == ':' {
			c.field = strings.ToLower(q[i:j])
			i = j + 1
		}
		if i < len(q) && q[i] == '"' {
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated quote at offset %d", ErrQuery, i)
			}
			c.value, c.quoted = q[i+1:i+1+end], true
			i += end + 2
		} else {
			j := i
			for j < len(q) {
				r, w := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r) || r == '"' {
					break
				}
				j += w
			}
			c.value, i = q[i:j], j
		}
		out = append(out, c)
	}
	return out, nil
}

// clause returns the query of one clause, or nil if it says nothing
// searchable (a stop word, a lone "-").
func (p *parser) clause(c clause) (query.Query, error) {
	if c.field == "" {
		return p.anyField(c.value, c.quoted), nil
	}
	f, ok := p.fields[c.field]
	if !ok {
		return nil, fmt.Errorf("%w: unknown field %q; known fields: %s", ErrQuery, c.field,
			strings.Join(slices.Sorted(maps.Keys(p.fields)), ", "))
	}
	v := strings.TrimSpace(c.value)
	if v == "" {
		return nil, fmt.Errorf("%w: %s: missing value", ErrQuery, c.field)
	}
	switch f.kind {
	case kindType:
		kind, ok := typeNames[strings.ToLower(v)]
		if !ok {
			return nil, fmt.Errorf("%w: type %q: want photo, video, audio or document", ErrQuery, v)
		}
		return termQuery(f.field, kind), nil
	case kindYear:
		if len(v) != 4 || strings.Trim(v, "0123456789") != "" {
			return nil, fmt.Errorf("%w: year %q: want four digits", ErrQuery, v)
		}
		return termQuery(f.field, v), nil
	case kindID:
		v = strings.ToLower(v)
		if len(v) > 64 || strings.Trim(v, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("%w: id %q: want hex digits of a SHA-256", ErrQuery, v)
		}
		pq := query.NewPrefixQuery(v)
		pq.SetField(f.field)
		return pq, nil
	case kindTaken, kindDays:
		start, end, err := p.dates(c.field, v)
		if err != nil {
			return nil, err
		}
		if f.kind == kindDays {
			return dayTerms(start, end, p.zone), nil
		}
		inclusive, exclusive := true, false
		q := query.NewDateRangeInclusiveQuery(start, end, &inclusive, &exclusive)
		q.SetField(f.field)
		return q, nil
	}
	return p.text(f.field, v, c.quoted), nil
}

func termQuery(field, term string) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	return tq
}

// text matches every word of v in field, or v as a phrase if quoted.
func (p *parser) text(field, v string, phrase bool) query.Query {
	if len(p.analyzer.Analyze([]byte(v))) == 0 {
		return nil
	}
	if phrase {
		pq := query.NewMatchPhraseQuery(v)
		pq.SetField(field)
		pq.Analyzer = textAnalyzer
		return pq
	}
	mq := query.NewMatchQuery(v)
	mq.SetField(field)
	mq.Analyzer = textAnalyzer
	mq.SetOperator(query.MatchQueryOperatorAnd)
	return mq
}

// anyField matches v, a clause without a field name, in the parser's
// word fields: each of its words in one of them at least, or v as a
// phrase within one of them. These are the hits of Bleve's _all field
// over the same fields, whose phrases too are matched within one field.
// A word is an OR of its terms, which the stats read as postings
// (hitBitmaps).
func (p *parser) anyField(v string, phrase bool) query.Query {
	if len(p.words) == 1 {
		return p.text(p.words[0], v, phrase)
	}
	tokens := p.analyzer.Analyze([]byte(v))
	if len(tokens) == 0 {
		return nil
	}
	if phrase && len(tokens) > 1 {
		qs := make([]query.Query, 0, len(p.words))
		for _, f := range p.words {
			qs = append(qs, p.text(f, v, true))
		}
		return &wordQuery{query.NewDisjunctionQuery(qs)}
	}
	must := make([]query.Query, 0, len(tokens))
	for _, tok := range tokens {
		qs := make([]query.Query, 0, len(p.words))
		for _, f := range p.words {
			qs = append(qs, termQuery(f, string(tok.Term)))
		}
		must = append(must, &wordQuery{query.NewDisjunctionQuery(qs)})
	}
	if len(must) == 1 {
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

// wordQuery is a word or a phrase typed without a field name, an OR of
// its clauses in the word fields: the one kind of clause that ranks hits
// in relevance order (rankParts). Every other clause narrows them.
type wordQuery struct{ *query.DisjunctionQuery }

// dates parses DATE, >=DATE, >DATE, <=DATE, <DATE and FROM..TO (either
// end may be left open), where DATE is YYYY, YYYY-MM or YYYY-MM-DD in the
// parser's zone and stands for the whole period, inclusive. It returns
// the start and the exclusive end, zero where the range is open.
func (p *parser) dates(name, v string) (start, end time.Time, err error) {
	switch {
	case strings.HasPrefix(v, ">="):
		start, _, err = p.period(v[2:])
	case strings.HasPrefix(v, ">"):
		_, start, err = p.period(v[1:])
	case strings.HasPrefix(v, "<="):
		_, end, err = p.period(v[2:])
	case strings.HasPrefix(v, "<"):
		end, _, err = p.period(v[1:])
	case strings.Contains(v, ".."):
		from, to, _ := strings.Cut(v, "..")
		if from == "" && to == "" {
			return start, end, fmt.Errorf("%w: %s %q: want a date on at least one side of ..", ErrQuery, name, v)
		}
		if from != "" {
			start, _, err = p.period(from)
		}
		if to != "" && err == nil {
			_, end, err = p.period(to)
		}
	default:
		start, end, err = p.period(v)
	}
	if err != nil {
		return start, end, fmt.Errorf("%w: %s %q: %w", ErrQuery, name, v, err)
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return start, end, fmt.Errorf("%w: %s %q: the range is empty", ErrQuery, name, v)
	}
	return start, end, nil
}

// dayTerms matches the assets taken from start up to end (midnights in
// zone; zero where the range is open) by the terms each dated asset
// holds (document): its year, its month and its day. Whole years are
// one term each, whole months one each, the days left one each: at most
// 30 + 11 + 11 + 30 terms and the years between, where a date range of
// the day's time indexed sixteen terms per asset, the most of any field.
func dayTerms(start, end time.Time, zone *time.Location) query.Query {
	if start.IsZero() {
		start = time.Date(minYear, 1, 1, 0, 0, 0, 0, zone)
	}
	if end.IsZero() {
		end = time.Date(maxYear+1, 1, 1, 0, 0, 0, 0, zone)
	}
	var qs []query.Query
	for t := start; t.Before(end); {
		switch {
		case t.YearDay() == 1 && !t.AddDate(1, 0, 0).After(end):
			qs = append(qs, termQuery(fYear, yearTerm(t)))
			t = t.AddDate(1, 0, 0)
		case t.Day() == 1 && !t.AddDate(0, 1, 0).After(end):
			qs = append(qs, termQuery(fFacets, monthTerm(t)))
			t = t.AddDate(0, 1, 0)
		default:
			qs = append(qs, termQuery(fFacets, dayTerm(t)))
			t = t.AddDate(0, 0, 1)
		}
	}
	return query.NewDisjunctionQuery(qs)
}

// Years outside these bounds are typing mistakes, and Bleve cannot store
// times beyond the nanosecond range of int64 anyway.
const minYear, maxYear = 1800, 2200

// period returns the start of the day, month or year s names and the
// start of the next one.
func (p *parser) period(s string) (start, next time.Time, err error) {
	var layout string
	var years, months, days int
	switch len(s) {
	case 4:
		layout, years = "2006", 1
	case 7:
		layout, months = "2006-01", 1
	case 10:
		layout, days = "2006-01-02", 1
	default:
		return start, next, fmt.Errorf("bad date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	start, err = time.ParseInLocation(layout, s, p.zone)
	if err != nil {
		return start, next, fmt.Errorf("bad date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	if y := start.Year(); y < minYear || y > maxYear {
		return time.Time{}, next, fmt.Errorf("bad date %q: year out of %d..%d", s, minYear, maxYear)
	}
	return start, start.AddDate(years, months, days), nil
}
