// Package search is the Bleve index of the bank: a view derived from the
// asset records, which `mediabank reindex` may rebuild at any time with
// the same results. Every result order therefore ends on a stable key.
package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"mediabank/assets"
	"mediabank/internal/office"
)

// ErrReindex means the index on disk was built with another mapping and
// must be deleted and rebuilt from the bucket.
var ErrReindex = errors.New("index mapping is outdated: run mediabank reindex")

// versionKey is where the mapping version is kept inside the index.
const versionKey = "mediabank:mapping-version"

// Page sizes.
const (
	DefaultSize = 50
	MaxSize     = 500
)

// Options configure an Index.
type Options struct {
	// Zone is the office's time zone, used for taken:DATE queries and the
	// year and month facets; default office.Zone() (WIB).
	Zone   *time.Location
	Logger *slog.Logger
}

// Index is the Bleve index of assets and coverage collections. It is safe
// for concurrent use.
type Index struct {
	idx       bleve.Index
	parser    *parser // asset queries
	colParser *parser // collection queries
	zone      *time.Location
	log       *slog.Logger
	// gen counts writes; stats cached for an older gen are stale.
	gen   atomic.Uint64
	cache statsCache
	// postings keeps the facet terms' postings of each segment.
	postings postingsCache
	// writeMu runs writes one at a time (see write).
	writeMu sync.Mutex
	// unpersisted is set on a rebuild's new index, not searched before
	// it is swapped in: it has no cached stats to keep true, so its
	// batches bypass write and run side by side, counted there until
	// Bleve has written them (see rebuildConfig).
	unpersisted *unpersisted
}

// withDefaults fills in the zone and logger left unset.
func (o Options) withDefaults() Options {
	if o.Zone == nil {
		o.Zone = office.Zone()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// openConfig makes opening an index wait a moment for another process
// (a running server) to let go of it, then fail instead of waiting for
// ever. Each batch waits until its segment is on disk.
func openConfig() map[string]any { return map[string]any{"bolt_timeout": "3s"} }

// Open opens the index at path, creating it if missing.
func Open(path string, opts Options) (*Index, error) {
	return open(path, opts, openConfig())
}

// open opens the index at path with Bleve's runtime config cfg, creating
// it first if missing. The config is given at each open, never at
// creation, where Bleve would store it in the index for every later open.
func open(path string, opts Options, cfg map[string]any) (*Index, error) {
	opts = opts.withDefaults()
	m, err := buildMapping()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		// A rebuild stopped between moving the old index aside and the
		// new one in: an empty index here would answer wrongly.
		if _, err := os.Stat(retiredPath(path)); err == nil {
			return nil, fmt.Errorf("search: open index %s: a reindex was interrupted: %w", path, ErrReindex)
		}
		idx, err := bleve.New(path, m)
		if err != nil {
			return nil, fmt.Errorf("search: create index %s: %w", path, err)
		}
		err = idx.SetInternal([]byte(versionKey), []byte(mappingVersion))
		if cerr := idx.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("search: create index %s: %w", path, err)
		}
		opts.Logger.Info("search index created", "path", path)
	}
	idx, err := bleve.OpenUsing(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("search: open index %s (is a mediabank server using it? stop it, or use its API): %w", path, err)
	}
	v, err := idx.GetInternal([]byte(versionKey))
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: open index %s: %w", path, err)
	}
	if string(v) != mappingVersion {
		idx.Close()
		return nil, fmt.Errorf("search: open index %s: version %q, want %q: %w", path, v, mappingVersion, ErrReindex)
	}
	text := m.AnalyzerNamed(textAnalyzer)
	return &Index{
		idx:       idx,
		parser:    newParser(text, opts.Zone, queryFields, wordFields),
		colParser: newParser(text, opts.Zone, collectionFields, []string{fAll}),
		zone:      opts.Zone,
		log:       opts.Logger,
	}, nil
}

// Close closes the index.
func (ix *Index) Close() error {
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

// Put indexes or re-indexes assets in one batch; callers group records
// (a few hundred per call) since each batch is one commit.
func (ix *Index) Put(ctx context.Context, as ...*assets.Asset) error {
	b := ix.idx.NewBatch()
	ids := make([]string, 0, len(as))
	for _, a := range as {
		if a == nil || a.ID == "" {
			return fmt.Errorf("search: put: asset without id")
		}
		if err := b.Index(a.ID, document(a, ix.zone)); err != nil {
			return fmt.Errorf("search: put %s: %w", a.ID, err)
		}
		ids = append(ids, a.ID)
	}
	return ix.commit(ctx, "put", b, ids)
}

// Delete removes assets from the index; unknown ids are ignored.
func (ix *Index) Delete(ctx context.Context, ids ...string) error {
	b := ix.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	return ix.commit(ctx, "delete", b, ids)
}

// commit runs batch b, which writes the documents ids.
func (ix *Index) commit(ctx context.Context, op string, b *bleve.Batch, ids []string) error {
	if b.Size() == 0 {
		return nil
	}
	// Bleve cannot cancel a batch once it runs; check before starting it.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("search: %s: %w", op, err)
	}
	start := time.Now()
	var err error
	if ix.unpersisted != nil {
		if err = ix.unpersisted.add(ctx, b); err == nil {
			err = ix.idx.Batch(b)
		}
	} else {
		err = ix.write(ctx, ids, func() error { return ix.idx.Batch(b) })
	}
	if err != nil {
		return fmt.Errorf("search: %s %d docs: %w", op, b.Size(), err)
	}
	ix.log.DebugContext(ctx, "search batch", "op", op, "docs", b.Size(), "took", time.Since(start))
	return nil
}

// Has tells whether asset id is indexed.
func (ix *Index) Has(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("search: has %s: %w", id, err)
	}
	d, err := ix.idx.Document(id)
	if err != nil {
		return false, fmt.Errorf("search: has %s: %w", id, err)
	}
	return d != nil, nil
}

// Count returns the number of assets indexed.
func (ix *Index) Count(ctx context.Context) (uint64, error) {
	req := bleve.NewSearchRequestOptions(assetsOnly(query.NewMatchAllQuery()), 0, 0, false)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return res.Total, nil
}

// assetsOnly keeps q to asset documents.
func assetsOnly(q query.Query) query.Query { return only(assetType, q) }

// only keeps q to documents of docType; every one if q matches all,
// which is then a single term query (see termBitmaps).
func only(docType string, q query.Query) query.Query {
	if _, all := q.(*query.MatchAllQuery); all {
		return termQuery(typeField, docType)
	}
	return query.NewConjunctionQuery([]query.Query{termQuery(typeField, docType), q})
}

// Collection is what the index holds of a coverage collection: what
// editors look collections up by.
type Collection struct {
	ID          string
	Title       string
	Agency      string
	Place       string
	Description string
	State       string
	Staff       []string // user names proposed or assigned
	StartsAt    time.Time
}

// collectionKey keeps collection documents apart from asset ids.
func collectionKey(id string) string { return "collection:" + id }

// PutCollections indexes or re-indexes collections in one batch.
func (ix *Index) PutCollections(ctx context.Context, cs ...Collection) error {
	b := ix.idx.NewBatch()
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.ID == "" {
			return fmt.Errorf("search: put collection: without id")
		}
		if err := b.Index(collectionKey(c.ID), collectionDoc(c, ix.zone)); err != nil {
			return fmt.Errorf("search: put collection %s: %w", c.ID, err)
		}
		ids = append(ids, collectionKey(c.ID))
	}
	return ix.commit(ctx, "put collections", b, ids)
}

// SearchCollections finds collections by words over title, agency, place,
// description, state and staff, and by agency:, place:, state:, staff:,
// date: (a date or range, like taken:) and id:. It returns one page of
// ids, newest event first, and the total.
func (ix *Index) SearchCollections(ctx context.Context, q string, page, size int) ([]string, uint64, error) {
	bq, err := ix.colParser.parse(q)
	if err != nil {
		return nil, 0, err
	}
	size = min(max(size, 1), MaxSize)
	sr := bleve.NewSearchRequestOptions(only(collectionType, bq), size, (max(page, 1)-1)*size, false)
	sr.SortBy([]string{"-" + fStarts, "_id"})
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, 0, fmt.Errorf("search collections: %q: %w", q, err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID[len("collection:"):])
	}
	return ids, res.Total, nil
}

// Request is one search.
type Request struct {
	Query  string
	Facets bool
	// Sort is "taken" (default, newest first), "-taken" (oldest first),
	// "name" or "relevance".
	Sort string
	// Page counts from 1; Size defaults to DefaultSize, at most MaxSize.
	Page, Size int
	// Collections, when not nil, keeps the search to assets filed into
	// one of these collections (their collection field), ANDed with
	// Query: the way to filter by something collections know and assets
	// do not, such as an agency or a workflow state. An empty non-nil
	// list matches nothing. At most MaxCollections ids.
	Collections []string
}

// MaxCollections bounds Request.Collections.
const MaxCollections = 2000

// Result is one page of hits, the total and, if asked, facet counts keyed
// type, camera, creator, year, month, collection, lens and city. Facet
// terms are lower-cased so that spellings of one name count together;
// each comes with a label to show.
type Result struct {
	Total  uint64                  `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
}

// Hit is one asset found, with what a result list shows.
type Hit struct {
	ID         string      `json:"id"`
	FileName   string      `json:"file_name"`
	Kind       assets.Kind `json:"kind"`
	TakenAt    *time.Time  `json:"taken_at,omitempty"`
	Camera     string      `json:"camera,omitempty"`
	Collection string      `json:"collection,omitempty"`
	Score      float64     `json:"score"`
}

// FacetCount is one facet value and how many hits have it. Term is the
// lower-cased value to filter by; Label is how to show it: for camera,
// creator, lens and city the spelling most of these hits use ("Budi
// Santoso" over "budi santoso"), for the other facets the term itself.
type FacetCount struct {
	Term  string `json:"term"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// sorts are the orders of Request.Sort; each ends on the asset id so
// that equal keys come out the same in every rebuild: the keys of the
// date and name orders end on it (sortKeys, nameKey), read from their
// doc values, where sorting on Bleve's _id would load every hit's stored
// id. Undated assets come last.
var sorts = map[string][]string{
	"taken":     {fTakenDesc},
	"-taken":    {fTakenAsc},
	"name":      {fNameSort},
	"relevance": {"-_score", fTakenDesc},
}

// SortOrders are the orders Request.Sort takes, the default first.
func SortOrders() []string { return []string{"taken", "-taken", "name", "relevance"} }

// Search runs req in two steps: the stats of the query (total, facets,
// hits per day and month, and the hits themselves), cached per query and
// updated by writes (see write), and the page of hits. In date and name
// order the page is looked for among the hits the stats found, not by
// running the query again, and for the date orders only in the days or
// months that hold it. In relevance order the page needs the query's
// scores: both run at once.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	key, q, err := ix.plan(req)
	if err != nil {
		return nil, err
	}
	sort := cmp.Or(req.Sort, "taken")
	if _, ok := sorts[sort]; !ok {
		return nil, fmt.Errorf("search: sort %q: %w: want one of %s", req.Sort, ErrQuery, strings.Join(SortOrders(), ", "))
	}
	size := req.Size
	switch {
	case size <= 0:
		size = DefaultSize
	case size > MaxSize:
		size = MaxSize
	}
	from := (max(req.Page, 1) - 1) * size
	var st *stats
	var hits []Hit
	if sort != "relevance" {
		if st, err = ix.stats(ctx, key, q); err == nil {
			hits, err = ix.sortedPage(ctx, st, q, from, size, sort)
		}
	} else {
		// The page does not need the stats: both at once, on two cores.
		var serr error
		var wg sync.WaitGroup
		wg.Go(func() { st, serr = ix.stats(ctx, key, q) })
		var alike bool
		hits, alike, err = ix.relevancePage(ctx, q, from, size)
		wg.Wait()
		if err = cmp.Or(serr, err); err == nil && alike {
			hits, err = ix.sortedPage(ctx, st, q, from, size, sort)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("search: %q: %w", req.Query, err)
	}
	out := &Result{Total: st.total, Hits: hits}
	if req.Facets {
		// A copy: the cached stats are shared by every caller.
		out.Facets = make(map[string][]FacetCount, len(st.facets))
		for name, fcs := range st.facets {
			out.Facets[name] = slices.Clone(fcs)
		}
	}
	return out, nil
}

// sortedPage returns the hits of q from..from+size in order sort, looked
// for among the hits the stats st found, and in date order only in the
// days or months that hold the page. In relevance order every hit of q
// scores alike, and the order is its tie-break: newest first, each hit
// with that score.
func (ix *Index) sortedPage(ctx context.Context, st *stats, q query.Query, from, size int, sort string) ([]Hit, error) {
	if uint64(from) >= st.total {
		return []Hit{}, nil
	}
	by := sort
	if sort == "relevance" {
		by = "taken"
	}
	hq, hfrom := st.pageQuery(q), from
	if by != "name" {
		hq, hfrom = st.slice(hq, by == "taken", from, size)
	} else if nq, skip, ok, err := ix.namePage(ctx, st, q, from, size); err != nil {
		return nil, err
	} else if ok {
		hq, hfrom = nq, skip
	}
	hits, err := ix.page(ctx, hq, hfrom, size, by)
	if err != nil || sort != "relevance" {
		return hits, err
	}
	return hits, ix.scoreAlike(ctx, q, hits)
}

// page returns the hits of q from..from+size in order sort.
func (ix *Index) page(ctx context.Context, q query.Query, from, size int, sort string) ([]Hit, error) {
	if sort == "relevance" {
		q = ranked(q)
	}
	sr := bleve.NewSearchRequestOptions(q, size, from, false)
	sr.SortBy(sorts[sort])
	if sort != "relevance" {
		// Scores are not shown and not sorted on: skip them.
		sr.Score = "none"
	}
	sr.Fields = hitFields()
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hit, err := hitOf(h, ix.zone)
		if err != nil {
			return nil, err
		}
		hits = append(hits, hit)
	}
	return hits, nil
}

// plan returns the Bleve query of req's query and scope, and the key
// its stats are cached under: the query, quoted so that no query text
// can pass for a scope, then the scope.
func (ix *Index) plan(req Request) (string, query.Query, error) {
	q, err := ix.parser.parse(req.Query)
	if err != nil {
		return "", nil, err
	}
	key := strconv.Quote(req.Query)
	if req.Collections != nil {
		scope, err := inCollections(req.Collections)
		if err != nil {
			return "", nil, err
		}
		q = query.NewConjunctionQuery([]query.Query{q, scope})
		key += "\x00" + strings.Join(req.Collections, "\x00")
	}
	return key, assetsOnly(q), nil
}

// inCollections matches assets filed into one of ids.
func inCollections(ids []string) (query.Query, error) {
	if len(ids) > MaxCollections {
		return nil, fmt.Errorf("search: %d collections: %w: at most %d", len(ids), ErrQuery, MaxCollections)
	}
	if len(ids) == 0 {
		return query.NewMatchNoneQuery(), nil
	}
	qs := make([]query.Query, 0, len(ids))
	for _, id := range ids {
		// The facet term, lower-cased as document writes it; a term
		// query is not analyzed.
		qs = append(qs, termQuery(fFacets, collectionTerm(id)))
	}
	return query.NewDisjunctionQuery(qs), nil
}

// first is a stored field's value, or the first of its values when it
// holds several (an asset in several collections).
func first(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// hitFields are the stored fields hitOf reads.
func hitFields() []string { return []string{fName, fType, fTakenAt, fCamera, fCollection} }

// hitOf reads a hit's stored fields; taken_at is kept to the second.
func hitOf(h *bsearch.DocumentMatch, zone *time.Location) (Hit, error) {
	str := func(f string) string { s, _ := h.Fields[f].(string); return s }
	hit := Hit{
		ID:         h.ID,
		FileName:   str(fName),
		Kind:       assets.Kind(str(fType)),
		Camera:     str(fCamera),
		Collection: first(h.Fields[fCollection]),
		Score:      h.Score,
	}
	if s := str(fTakenAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Hit{}, fmt.Errorf("hit %s: taken %q: %w", h.ID, s, err)
		}
		t = t.In(zone)
		hit.TakenAt = &t
	}
	return hit, nil
}
