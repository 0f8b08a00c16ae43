package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// stats is what a query's page needs besides its hits: the total, the
// hits per month (which month holds the n-th hit in date order), and, if
// asked, the facets. They are computed in one pass over every hit, the
// costly part of a search of a large bank, and cached until the next
// write, so the next page or the same search again costs only its hits.
type stats struct {
	total   uint64
	months  map[string]int // "2006-01" in the office's zone → hits
	undated int
	facets  map[string][]FacetCount // nil unless asked
}

// allTerms asks Bleve for every term of a facet: the counts are exact,
// and spellings of one name can be summed (mergeCase).
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
func (ix *Index) stats(ctx context.Context, key string, q query.Query, withFacets bool) (*stats, error) {
	gen := ix.gen.Load()
	if st := ix.cache.get(gen, key); st != nil && (st.facets != nil || !withFacets) {
		return st, nil
	}
	sr := bleve.NewSearchRequestOptions(q, 0, 0, false)
	sr.Score = "none"
	sr.AddFacet(fMonth, bleve.NewFacetRequest(fMonth, allTerms))
	if withFacets {
		for _, f := range facets {
			if f.field == "" || f.field == fMonth {
				continue
			}
			size := f.size
			if f.mergeCase {
				size = allTerms
			}
			sr.AddFacet(f.name, bleve.NewFacetRequest(f.field, size))
		}
	}
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, err
	}
	st := &stats{total: res.Total, months: map[string]int{}}
	dated := 0
	if fr := res.Facets[fMonth]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			st.months[t.Term] = t.Count
			dated += t.Count
		}
	}
	st.undated = int(res.Total) - dated
	if withFacets {
		st.facets = make(map[string][]FacetCount, len(facets))
		for _, f := range facets {
			switch f.name {
			case "year":
				years := map[string]int{}
				for m, n := range st.months {
					years[m[:4]] += n
				}
				st.facets[f.name] = top(years, nil, f.size)
			case "month":
				st.facets[f.name] = top(st.months, nil, f.size)
			default:
				counts, labels := termCounts(res.Facets[f.name], f.mergeCase)
				st.facets[f.name] = top(counts, labels, f.size)
			}
		}
	}
	ix.cache.put(gen, key, st)
	return st, nil
}

// termCounts reads a facet's terms; with mergeCase, spellings of one
// name count together under its lower-cased term, labelled with the
// spelling most hits use (on a tie the first in byte order, so the label
// is the same in every rebuild).
func termCounts(fr *bsearch.FacetResult, mergeCase bool) (counts map[string]int, labels map[string]string) {
	counts, labels = map[string]int{}, map[string]string{}
	if fr == nil || fr.Terms == nil {
		return counts, labels
	}
	best := map[string]int{}
	for _, t := range fr.Terms.Terms() {
		k := t.Term
		if mergeCase {
			k = strings.ToLower(k)
		}
		counts[k] += t.Count
		if n, ok := best[k]; !ok || t.Count > n || (t.Count == n && t.Term < labels[k]) {
			best[k], labels[k] = t.Count, t.Term
		}
	}
	return counts, labels
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
func (st *stats) slice(q query.Query, newest bool, from, size int, zone *time.Location) (query.Query, int) {
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
	first, last := keys[i], keys[j]
	if newest {
		first, last = last, first
	}
	start, err1 := time.ParseInLocation("2006-01", first, zone)
	end, err2 := time.ParseInLocation("2006-01", last, zone)
	if err1 != nil || err2 != nil {
		return q, from
	}
	inclusive, exclusive := true, false
	r := query.NewDateRangeInclusiveQuery(start, end.AddDate(0, 1, 0), &inclusive, &exclusive)
	r.SetField(fTaken)
	return query.NewConjunctionQuery([]query.Query{q, r}), from - skip
}
