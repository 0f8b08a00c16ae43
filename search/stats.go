package search

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/search/query"
)

// counts are the raw counts of a query's hits: how many, and how many
// hold each term of the facets field ("camera:Nikon D70", "month:2024-03").
// Counts of disjoint sets of hits add up, which is what lets a write
// update cached stats instead of throwing them away.
type counts struct {
	total uint64
	terms map[string]int
	// hits are the hits counted, if counted on bitmaps (not kept by
	// plus and minus: they are of another snapshot).
	hits *hitSet
}

// stats is what a query's page needs besides its hits: the total, the
// hits per day and month (which holds the n-th hit in date order), and the
// facets, all derived from the query's counts. The counts take one pass
// over every hit, the costly part of a search of a large bank, so they
// are cached: the next page or the same search again costs only its
// hits, and a write updates the most used ones by what it changed.
type stats struct {
	counts
	months  map[string]int // "2006-01" in the office's zone → hits
	days    map[string]int // "2006-01-02" → hits
	undated int
	facets  map[string][]FacetCount
}

// allTerms asks Bleve for every facet term: the counts are exact, and
// spellings of one name can be summed (mergeCase).
const allTerms = 1 << 30

// maxCachedStats bounds the cache; past it, the cache starts afresh.
const maxCachedStats = 256

// maxCarried is how many cached stats, the most recently used, a write
// updates (two small searches each, restricted to the documents
// written); the others are dropped and counted afresh when next asked.
const maxCarried = 4

// maxCarriedDocs bounds the writes that update cached stats: past it
// (a bulk load) the restricted counts cost more than counting afresh.
const maxCarriedDocs = 1000

// cached is one query's stats and what is needed to update them.
type cached struct {
	key  string
	q    query.Query
	st   *stats
	used uint64 // the cache's clock when last asked for
}

// statsCache holds stats per query for one generation of the index.
type statsCache struct {
	mu    sync.Mutex
	gen   uint64
	m     map[string]*cached
	clock uint64
}

func (c *statsCache) get(gen uint64, key string) *stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.m[key] == nil {
		return nil
	}
	c.clock++
	c.m[key].used = c.clock
	return c.m[key].st
}

// put keeps st for key unless the index has been written since it was
// computed (gen older than the cache's).
func (c *statsCache) put(gen uint64, key string, q query.Query, st *stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	if gen > c.gen || c.m == nil || len(c.m) >= maxCachedStats {
		c.gen, c.m = gen, map[string]*cached{}
	}
	c.clock++
	c.m[key] = &cached{key: key, q: q, st: st, used: c.clock}
}

// recent returns copies of the n most recently used entries of
// generation gen.
func (c *statsCache) recent(gen uint64, n int) []cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	out := make([]cached, 0, len(c.m))
	for _, e := range c.m {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b cached) int { return cmp.Compare(b.used, a.used) })
	return out[:min(n, len(out))]
}

// advance moves the cache to the next generation, counted in gen, with
// only the entries given (already updated for the write): entries put
// while the write ran may hold either side of it, so they are dropped.
// The generation changes under the cache's lock, so no search of the new
// generation can put stats before these are in.
func (c *statsCache) advance(gen *atomic.Uint64, keep []cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen = gen.Add(1)
	c.m = make(map[string]*cached, len(keep))
	for _, e := range keep {
		c.m[e.key] = &e
	}
}

// stats returns the stats of q (key names it, with any scope), from the
// cache if the index has not been written since.
func (ix *Index) stats(ctx context.Context, key string, q query.Query) (*stats, error) {
	gen := ix.gen.Load()
	if st := ix.cache.get(gen, key); st != nil {
		return st, nil
	}
	c, err := ix.count(ctx, q)
	if err != nil {
		return nil, err
	}
	st := statsOf(c)
	ix.cache.put(gen, key, q, st)
	return st, nil
}

// write runs one batch of writes to the documents ids and moves the
// cache on: the most used cached stats are updated by what the batch
// changed (the counts of each query restricted to ids, subtracted before
// the batch and added after), so that the page as it opens stays cheap
// after every write; the others are dropped. Writes run one at a time,
// so that "before" and "after" bracket this batch alone.
func (ix *Index) write(ctx context.Context, ids []string, batch func() error) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	var carried []cached
	if len(ids) <= maxCarriedDocs {
		carried = ix.cache.recent(ix.gen.Load(), maxCarried)
	}
	scope := query.NewDocIDQuery(ids)
	restricted := func(e cached) query.Query {
		return query.NewConjunctionQuery([]query.Query{e.q, scope})
	}
	before := make([]counts, len(carried))
	for i, e := range carried {
		c, err := ix.count(ctx, restricted(e))
		if err != nil {
			carried = nil // counted afresh when next asked
			break
		}
		before[i] = c
	}
	err := batch()
	if err != nil {
		carried = nil // the batch may have changed the index in part
	}
	for i, e := range carried {
		after, cerr := ix.count(ctx, restricted(e))
		if cerr != nil {
			carried = nil
			break
		}
		carried[i].st = statsOf(e.st.counts.minus(before[i]).plus(after))
	}
	ix.cache.advance(&ix.gen, carried)
	return err
}

// plus returns the counts of c and d's hits together (d's hits not among
// c's).
func (c counts) plus(d counts) counts {
	out := counts{total: c.total + d.total, terms: maps.Clone(c.terms)}
	for t, n := range d.terms {
		out.terms[t] += n
	}
	return out
}

// minus returns the counts of c's hits without d's (d's hits among c's).
func (c counts) minus(d counts) counts {
	out := counts{total: c.total - d.total, terms: maps.Clone(c.terms)}
	for t, n := range d.terms {
		if out.terms[t] -= n; out.terms[t] == 0 {
			delete(out.terms, t)
		}
	}
	return out
}

// statsOf splits the "name:value" terms of the facets field into the
// facets. With mergeCase, spellings of one name count together under its
// lower-cased term, labelled with the spelling most hits use (on a tie
// the first in byte order, so the label is the same in every rebuild).
func statsOf(c counts) *stats {
	st := &stats{counts: c, months: map[string]int{}}
	byName := map[string]map[string]int{}
	labels := map[string]map[string]string{}
	best := map[string]int{} // name + ":" + term → count of the label
	for t, n := range c.terms {
		name, v, ok := strings.Cut(t, ":")
		if !ok || n <= 0 {
			continue
		}
		if byName[name] == nil {
			byName[name], labels[name] = map[string]int{}, map[string]string{}
		}
		k := v
		if mergeCase(name) {
			k = strings.ToLower(v)
		}
		byName[name][k] += n
		bk := name + ":" + k
		if b, ok := best[bk]; !ok || n > b || (n == b && v < labels[name][k]) {
			best[bk], labels[name][k] = n, v
		}
	}
	st.days = byName["day"]
	dated := 0
	for m, n := range byName["month"] {
		st.months[m] = n
		dated += n
	}
	st.undated = int(c.total) - dated
	years := map[string]int{}
	for m, n := range st.months {
		years[m[:4]] += n
	}
	byName["year"] = years
	st.facets = make(map[string][]FacetCount, len(facets))
	for _, f := range facets {
		st.facets[f.name] = top(byName[f.name], labels[f.name], f.size)
	}
	return st
}

func mergeCase(name string) bool {
	for _, f := range facets {
		if f.name == name {
			return f.mergeCase
		}
	}
	return false
}

// top returns the size most frequent terms, by count then term, as Bleve
// orders them.
func top(counts map[string]int, labels map[string]string, size int) []FacetCount {
	out := make([]FacetCount, 0, len(counts))
	for t, n := range counts {
		l, ok := labels[t]
		if !ok {
			l = t
		}
		out = append(out, FacetCount{Term: t, Label: l, Count: n})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Term, b.Term))
	})
	return out[:min(size, len(out))]
}

// pageQuery is q for a page with no score: its hits found by the stats
// pass, if they were kept, so that q does not run a second time.
func (st *stats) pageQuery(q query.Query) query.Query {
	if st.hits == nil {
		return q
	}
	return &hitsQuery{q: q, hits: st.hits}
}

// slice narrows q, for a page in date order (newest first or oldest
// first; undated hits come last in both), to the days or months that
// hold hits from..from+size, and returns the offset of the page within
// them: the search then sorts a day's or a month's hits instead of all
// of them, reading each one's date key (a page of the whole bank sorts
// the hits of its newest day). Days are taken while the page spans at
// most maxSliceDays of them; a rare query's page spans many, and their
// months are fewer terms to match.
func (st *stats) slice(q query.Query, newest bool, from, size int) (query.Query, int) {
	name, p := "day", span(st.days, newest, from, size)
	if p.keys == nil || len(p.keys) > maxSliceDays {
		name, p = "month", span(st.months, newest, from, size)
	}
	if p.keys == nil || p.end < from+size && st.undated > 0 {
		return q, from // the page is among, or runs on into, the undated hits
	}
	if 2*(p.end-p.skip) > int(st.total) {
		// The periods hold most hits anyway (a rare query): matching
		// them costs more than sorting the few others too.
		return q, from
	}
	// Each period is a term of the facets field, a single posting list:
	// cheaper to match than a range of dates.
	terms := make([]query.Query, 0, len(p.keys))
	for _, k := range p.keys {
		terms = append(terms, termQuery(fFacets, name+":"+k))
	}
	return query.NewConjunctionQuery([]query.Query{q, query.NewDisjunctionQuery(terms)}), from - p.skip
}

// maxSliceDays is the most days a page is sliced to.
const maxSliceDays = 16

// periodSpan is the run of periods that holds a page: their keys, the
// hits in the periods before them (skip) and up to their end.
type periodSpan struct {
	keys      []string
	skip, end int
}

// span returns the periods that hold hits from..from+size, in the page's
// order, or none if the page is past the dated hits. They may hold fewer
// than the page, if it runs on past the dated hits.
func span(periods map[string]int, newest bool, from, size int) periodSpan {
	keys := make([]string, 0, len(periods))
	for k, n := range periods {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if newest {
		slices.Reverse(keys)
	}
	skip, i := 0, 0
	for i < len(keys) && skip+periods[keys[i]] <= from {
		skip += periods[keys[i]]
		i++
	}
	if i == len(keys) {
		return periodSpan{}
	}
	j, end := i, skip+periods[keys[i]]
	for end < from+size && j+1 < len(keys) {
		j++
		end += periods[keys[j]]
	}
	return periodSpan{keys: keys[i : j+1], skip: skip, end: end}
}
