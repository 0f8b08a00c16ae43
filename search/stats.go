package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// stats is what a query's page needs besides its hits: the total, the
// hits per month (which month holds the n-th hit in date order), and the
// facets. They are computed in one pass over every hit, the
// costly part of a search of a large bank, and cached until the next
// write, so the next page or the same search again costs only its hits.
type stats struct {
	total   uint64
	months  map[string]int // "2006-01" in the office's zone → hits
	undated int
	facets  map[string][]FacetCount
}

// allTerms asks Bleve for every facet term: the counts are exact, and
// spellings of one name can be summed (mergeCase).
const allTerms = 1 << 30

// maxCachedStats bounds the cache; past it, the cache starts afresh.
const maxCachedStats = 256

// statsCache holds stats per query for one generation of the index.
type statsCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*stats
}

func (c *statsCache) get(gen uint64, key string) *stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	return c.m[key]
}

// put keeps st for key unless the index has been written since it was
// computed (gen older than the cache's).
func (c *statsCache) put(gen uint64, key string, st *stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	if gen > c.gen || c.m == nil || len(c.m) >= maxCachedStats {
		c.gen, c.m = gen, map[string]*stats{}
	}
	c.m[key] = st
}

// stats returns the stats of q (key names it, with any scope), from the
// cache if the index has not been written since.
func (ix *Index) stats(ctx context.Context, key string, q query.Query) (*stats, error) {
	gen := ix.gen.Load()
	if st := ix.cache.get(gen, key); st != nil {
		return st, nil
	}
	sr := bleve.NewSearchRequestOptions(q, 0, 0, false)
	sr.Score = "none"
	sr.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, allTerms))
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, err
	}
	st := statsOf(res.Total, res.Facets[fFacets])
	ix.cache.put(gen, key, st)
	return st, nil
}

// statsOf splits the "name:value" terms of the facets field into the
// facets. With mergeCase, spellings of one name count together under its
// lower-cased term, labelled with the spelling most hits use (on a tie
// the first in byte order, so the label is the same in every rebuild).
func statsOf(total uint64, fr *bsearch.FacetResult) *stats {
	st := &stats{total: total, months: map[string]int{}}
	counts := map[string]map[string]int{}
	labels := map[string]map[string]string{}
	best := map[string]int{} // name + ":" + term → count of the label
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			name, v, ok := strings.Cut(t.Term, ":")
			if !ok {
				continue
			}
			if counts[name] == nil {
				counts[name], labels[name] = map[string]int{}, map[string]string{}
			}
			k := v
			if mergeCase(name) {
				k = strings.ToLower(v)
			}
			counts[name][k] += t.Count
			bk := name + ":" + k
			if n, ok := best[bk]; !ok || t.Count > n || (t.Count == n && v < labels[name][k]) {
				best[bk], labels[name][k] = t.Count, v
			}
		}
	}
	dated := 0
	for m, n := range counts["month"] {
		st.months[m] = n
		dated += n
	}
	st.undated = int(total) - dated
	years := map[string]int{}
	for m, n := range st.months {
		years[m[:4]] += n
	}
	counts["year"] = years
	st.facets = make(map[string][]FacetCount, len(facets))
	for _, f := range facets {
		st.facets[f.name] = top(counts[f.name], labels[f.name], f.size)
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

// slice narrows q, for a page in date order (newest first or oldest
// first; undated hits come last in both), to the months that hold hits
// from..from+size, and returns the offset of the page within them: the
// search then sorts a month or two of hits instead of all of them.
func (st *stats) slice(q query.Query, newest bool, from, size int) (query.Query, int) {
	keys := make([]string, 0, len(st.months))
	for k, n := range st.months {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if newest {
		slices.Reverse(keys)
	}
	skip, i := 0, 0
	for i < len(keys) && skip+st.months[keys[i]] <= from {
		skip += st.months[keys[i]]
		i++
	}
	if i == len(keys) {
		return q, from // the page is among the undated hits
	}
	j, n := i, skip+st.months[keys[i]]
	for n < from+size && j+1 < len(keys) {
		j++
		n += st.months[keys[j]]
	}
	if n < from+size && st.undated > 0 {
		return q, from // the page runs on into the undated hits
	}
	if 2*(n-skip) > int(st.total) {
		// The months hold most hits anyway (a rare query): matching
		// them costs more than sorting the few others too.
		return q, from
	}
	// The month term of each hit is its single posting list: cheaper to
	// match than a range of dates.
	months := make([]query.Query, 0, j-i+1)
	for _, k := range keys[i : j+1] {
		months = append(months, termQuery(fMonth, k))
	}
	return query.NewConjunctionQuery([]query.Query{q, query.NewDisjunctionQuery(months)}), from - skip
}
