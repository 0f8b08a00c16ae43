package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// count counts the hits of q and the facet terms they hold.
//
// It does so on Bleve's own index, segment by segment: the query's hits
// go into a bitmap (its plain terms and facet-backed clauses straight
// from their postings, the rest one step of its searcher per hit), and
// each hit adds one to each facet term it holds, from the facet terms of
// the segment's documents read once out of its postings (facetPostings).
// Bleve's facets instead read and decompress every hit's doc values and
// count each term of each hit in a map (several times the CPU per hit,
// see docs/benchmarks.md). The counts are the same; countByFacets,
// Bleve's way, is kept for an index whose segments do not expose their
// postings as bitmaps.
func (ix *Index) count(ctx context.Context, q query.Query) (counts, error) {
	c, ok, err := ix.countByBitmaps(ctx, q)
	if err != nil || ok {
		return c, err
	}
	return ix.countByFacets(ctx, q)
}

// countByBitmaps counts as count says, and reports false if the index
// does not keep its postings as bitmaps.
func (ix *Index) countByBitmaps(ctx context.Context, q query.Query) (counts, bool, error) {
	r, err := ix.reader()
	if err != nil {
		return counts{}, false, fmt.Errorf("count: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return counts{}, false, nil
	}
	segs := snap.Segments()
	hits, ok, err := ix.hitBitmaps(ctx, q, snap, segs)
	if err != nil || !ok {
		return counts{}, false, err
	}
	fps, ok, err := ix.postings.of(segs)
	if err != nil || !ok {
		return counts{}, false, err
	}
	c := counts{terms: map[string]int{}, hits: newHitSet(segs, hits)}
	for i, fp := range fps {
		if !hits[i].IsEmpty() {
			c.total += hits[i].GetCardinality()
			fp.count(hits[i], c.terms)
		}
	}
	return c, true, nil
}

// reader opens a reader of the index as it is now (a scorch snapshot);
// the caller closes it.
func (ix *Index) reader() (index.IndexReader, error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// hitBitmaps returns the hits of q as one bitmap of segment-local
// document numbers per segment. The term queries ANDed at its top (the
// document type above all), or ORs of them (a scope of collections), are
// read as their postings, and the text clauses on facet-backed fields
// as their facet terms' (facetText), with no step per hit; the rest of q
// is run by its searcher. What q leaves out (andParts) is found the same
// way and taken out. It reports false if a segment's postings are not
// bitmaps.
func (ix *Index) hitBitmaps(ctx context.Context, q query.Query, snap *scorch.IndexSnapshot, segs []*scorch.SegmentSnapshot) ([]*roaring.Bitmap, bool, error) {
	var direct []func(live bool) ([]*roaring.Bitmap, bool, error)
	var others []query.Query
	and, not := andParts(q)
	for _, c := range and {
		if _, all := c.(*query.MatchAllQuery); all && len(and) > 1 {
			continue
		}
		if tqs, ok := termsOf(c); ok {
			direct = append(direct, func(live bool) ([]*roaring.Bitmap, bool, error) { return termBitmaps(tqs, segs, live) })
		} else if ft, ok := ix.facetTextOf(c); ok {
			direct = append(direct, func(live bool) ([]*roaring.Bitmap, bool, error) { return ix.facetTextBitmaps(ft, segs, live) })
		} else {
			others = append(others, c)
		}
	}
	var out []*roaring.Bitmap
	var err error
	switch len(others) {
	case 0:
	case 1:
		out, err = ix.searchBitmaps(ctx, others[0], snap, segs)
	default:
		out, err = ix.searchBitmaps(ctx, query.NewConjunctionQuery(others), snap, segs)
	}
	if err != nil {
		return nil, false, err
	}
	for _, bitmaps := range direct {
		// Hits found so far hold no deleted document: no need to
		// leave those out of these postings (a copy of each).
		bms, ok, err := bitmaps(out == nil)
		if err != nil || !ok {
			return nil, ok, err
		}
		if out == nil {
			out = bms
			continue
		}
		for i := range out {
			// A new bitmap: a term's may be the index's own.
			out[i] = roaring.And(out[i], bms[i])
		}
	}
	// What q leaves out (-word) is taken out of the hits as bitmaps too,
	// where Bleve's searcher stepped through every asset but those.
	for _, n := range not {
		ors := []query.Query{n}
		if dq, ok := n.(*query.DisjunctionQuery); ok && dq.Min <= 1 {
			ors = dq.Disjuncts
		}
		for _, o := range ors {
			bms, ok, err := ix.hitBitmaps(ctx, o, snap, segs)
			if err != nil || !ok {
				return nil, ok, err
			}
			for i := range out {
				out[i] = roaring.AndNot(out[i], bms[i])
			}
		}
	}
	return out, true, nil
}

// andParts are the queries q ANDs at its top and those it ANDs NOT:
// nested conjunctions flattened, and a Boolean query of must and
// must-not clauses (what the parser makes of -word) split into both;
// q alone if it is neither.
func andParts(q query.Query) (and, not []query.Query) {
	var split func(q query.Query)
	split = func(q query.Query) {
		switch q := q.(type) {
		case *query.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				split(c)
			}
		case *query.BooleanQuery:
			if q.Should != nil || q.Filter != nil {
				and = append(and, q)
				return
			}
			if q.Must == nil {
				and = append(and, query.NewMatchAllQuery())
			} else {
				split(q.Must)
			}
			if q.MustNot != nil {
				not = append(not, q.MustNot)
			}
		default:
			and = append(and, q)
		}
	}
	split(q)
	return and, not
}

// searchBitmaps runs q's searcher over snap and returns its hits as
// bitmaps. A snapshot numbers its documents across segments, each
// segment starting after the documents (deleted or not) of the ones
// before it.
func (ix *Index) searchBitmaps(ctx context.Context, q query.Query, snap *scorch.IndexSnapshot, segs []*scorch.SegmentSnapshot) ([]*roaring.Bitmap, error) {
	out := make([]*roaring.Bitmap, len(segs))
	for i := range out {
		out[i] = roaring.New()
	}
	// Hits come in document order, so segment by segment; each
	// segment's numbers are gathered and added at once.
	seg, start, end := -1, uint64(0), uint64(0)
	var local []uint32
	flush := func() {
		if seg >= 0 && len(local) > 0 {
			out[seg].AddMany(local)
		}
		local = local[:0]
	}
	err := ix.eachHit(ctx, q, snap, "none", func(dm *bsearch.DocumentMatch) error {
		num := dm.IndexInternalID.Value()
		for num >= end {
			flush()
			seg++
			if seg >= len(segs) {
				return fmt.Errorf("hit %d past the last segment", num)
			}
			start, end = end, end+uint64(segs[seg].FullSize())
		}
		local = append(local, uint32(num-start))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	flush()
	return out, nil
}

// eachHit runs q's searcher over snap, scoring as score says (Bleve's
// SearchRequest.Score), and calls fn with each hit in document order,
// until fn returns an error (errStop ends it without one). fn must not
// keep the hit.
func (ix *Index) eachHit(ctx context.Context, q query.Query, snap index.IndexReader, score string, fn func(*bsearch.DocumentMatch) error) error {
	s, err := q.Searcher(ctx, snap, ix.idx.Mapping(), bsearch.SearcherOptions{Score: score})
	if err != nil {
		return err
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{
		DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       snap,
	}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil || dm == nil {
			return err
		}
		if err := fn(dm); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

// errStop tells eachHit to stop.
var errStop = errors.New("stop")

// termsOf returns the term queries of q if it is one, or an OR of them.
func termsOf(q query.Query) ([]*query.TermQuery, bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		return []*query.TermQuery{q}, q.FieldVal != ""
	case *wordQuery:
		return termsOf(q.DisjunctionQuery)
	case *query.DisjunctionQuery:
		if q.Min > 1 {
			return nil, false
		}
		tqs := make([]*query.TermQuery, 0, len(q.Disjuncts))
		for _, d := range q.Disjuncts {
			tq, ok := d.(*query.TermQuery)
			if !ok || tq.FieldVal == "" {
				return nil, false
			}
			tqs = append(tqs, tq)
		}
		return tqs, true
	}
	return nil, false
}

// termBitmaps returns the hits of any of tqs as the union of their
// postings, without the deleted documents if live. It reports false if a
// segment's postings are not bitmaps.
func termBitmaps(tqs []*query.TermQuery, segs []*scorch.SegmentSnapshot, live bool) ([]*roaring.Bitmap, bool, error) {
	byField := map[string][]string{}
	for _, tq := range tqs {
		byField[tq.FieldVal] = append(byField[tq.FieldVal], tq.Term)
	}
	out := make([]*roaring.Bitmap, len(segs))
	for i, s := range segs {
		var deleted *roaring.Bitmap
		if live {
			deleted = s.Deleted()
		}
		var bms []*roaring.Bitmap
		for field, terms := range byField {
			dict, err := s.Segment().Dictionary(field)
			if err != nil {
				return nil, false, fmt.Errorf("count: %w", err)
			}
			bm, ok, err := postingsUnion(dict, terms, deleted)
			if err != nil || !ok {
				return nil, ok, err
			}
			bms = append(bms, bm)
		}
		out[i] = union(bms)
	}
	return out, true, nil
}

// postingsUnion returns the documents of any of terms in dict, less
// except. It reports false if the postings are not bitmaps.
func postingsUnion(dict segment.TermDictionary, terms []string, except *roaring.Bitmap) (*roaring.Bitmap, bool, error) {
	bms := make([]*roaring.Bitmap, 0, len(terms))
	for _, t := range terms {
		bm, ok, err := postingsBitmap(dict, t, except)
		if err != nil || !ok {
			return nil, ok, err
		}
		bms = append(bms, bm)
	}
	return union(bms), true, nil
}

// union is the union of bms, which it may return itself and does not
// change.
func union(bms []*roaring.Bitmap) *roaring.Bitmap {
	switch len(bms) {
	case 0:
		return roaring.New()
	case 1:
		return bms[0]
	}
	return roaring.FastOr(bms...)
}

// facetPostings are the terms of the facets field in one segment and,
// for each document, the terms it holds, read out of the segment's
// postings: a segment never changes, so they are read once, not on every
// count (a walk of the dictionary costs about as much as counting 30,000
// hits). Laid out by document, a count costs a few steps per hit (an
// asset holds about seven facet terms) whatever the number of terms,
// where intersecting the hits with each term's postings cost one AND
// per term, and the collection facet alone has one term per 200 assets.
type facetPostings struct {
	terms []string
	// Document d holds the terms numbered ords[start[d]:start[d+1]].
	start []uint32
	ords  []uint32
}

// postingsCache holds the facetPostings of the segments in use.
type postingsCache struct {
	mu sync.Mutex
	m  map[segment.Segment]*facetPostings
}

// of returns the facet postings of each of segs, reading those not yet
// kept. Segments merged away are forgotten once the kept outnumber segs
// twice: a search on an older snapshot, running while the index
// changes, then does not make the next one read its segments again.
func (c *postingsCache) of(segs []*scorch.SegmentSnapshot) ([]*facetPostings, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[segment.Segment]*facetPostings{}
	}
	out := make([]*facetPostings, len(segs))
	live := make(map[segment.Segment]bool, len(segs))
	for i, s := range segs {
		fp := c.m[s.Segment()]
		if fp == nil {
			var ok bool
			var err error
			if fp, ok, err = readFacetPostings(s.Segment()); err != nil || !ok {
				return nil, ok, err
			}
			c.m[s.Segment()] = fp
		}
		out[i], live[s.Segment()] = fp, true
	}
	if len(c.m) > 2*len(segs) {
		maps.DeleteFunc(c.m, func(s segment.Segment, _ *facetPostings) bool { return !live[s] })
	}
	return out, true, nil
}

// readFacetPostings reads every term of the facets field in seg with its
// documents (deleted ones included: the hits counted hold none). It
// reports false if seg's postings are not bitmaps.
func readFacetPostings(seg segment.Segment) (*facetPostings, bool, error) {
	dict, err := seg.Dictionary(fFacets)
	if err != nil {
		return nil, false, fmt.Errorf("count: %w", err)
	}
	// First the documents of each term, one term after the other, then
	// the same turned around, by document.
	fp := &facetPostings{start: make([]uint32, seg.Count()+1)}
	var docs []uint32
	ends := []int{0} // term i's documents are docs[ends[i]:ends[i+1]]
	ok := true
	var r postingsReader // each bitmap is copied out before the next read
	err = eachTerm(dict, nil, nil, func(term string) error {
		bm, isBitmap, err := r.bitmap(dict, term, nil)
		if ok = isBitmap; err != nil || !ok {
			return cmp.Or(err, errStop)
		}
		docs = appendBitmap(docs, bm)
		fp.terms = append(fp.terms, term)
		ends = append(ends, len(docs))
		return nil
	})
	if err != nil || !ok {
		return nil, false, err
	}
	for _, d := range docs {
		if int(d)+1 >= len(fp.start) {
			return nil, false, fmt.Errorf("count: facet posting of document %d in a segment of %d", d, len(fp.start)-1)
		}
		fp.start[d+1]++
	}
	for d := 1; d < len(fp.start); d++ {
		fp.start[d] += fp.start[d-1]
	}
	fp.ords = make([]uint32, len(docs))
	next := slices.Clone(fp.start[:len(fp.start)-1])
	for t := range fp.terms {
		for _, d := range docs[ends[t]:ends[t+1]] {
			fp.ords[next[d]] = uint32(t)
			next[d]++
		}
	}
	return fp, true, nil
}

// appendBitmap appends bm's numbers to out.
func appendBitmap(out []uint32, bm *roaring.Bitmap) []uint32 {
	it := bm.ManyIterator()
	buf := make([]uint32, 256)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		out = append(out, buf[:n]...)
	}
	return out
}

// count adds to terms, for each facet term of fp, how many of hits hold
// it.
func (fp *facetPostings) count(hits *roaring.Bitmap, terms map[string]int) {
	n := make([]int, len(fp.terms))
	it := hits.ManyIterator()
	buf := make([]uint32, 256)
	for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
		for _, d := range buf[:k] {
			for _, t := range fp.ords[fp.start[d]:fp.start[d+1]] {
				n[t]++
			}
		}
	}
	for t, c := range n {
		if c > 0 {
			terms[fp.terms[t]] += c
		}
	}
}

// termLister is a dictionary that can list its terms without reading
// each one's postings for its count (zap's, from version 17).
type termLister interface {
	AutomatonIteratorOmitCount(a segment.Automaton, startKeyInclusive, endKeyExclusive []byte) segment.DictionaryIterator
}

// terms lists the terms of dict from lo up to hi (nil: no bound), in
// order, without their counts where the dictionary can.
func terms(dict segment.TermDictionary, lo, hi []byte) segment.DictionaryIterator {
	if d, ok := dict.(termLister); ok {
		return d.AutomatonIteratorOmitCount(nil, lo, hi)
	}
	return dict.AutomatonIterator(nil, lo, hi)
}

// eachTerm calls fn with each term of dict from lo up to hi (nil: no
// bound), in order, until fn returns an error (errStop ends it without
// one).
func eachTerm(dict segment.TermDictionary, lo, hi []byte, fn func(term string) error) error {
	it := terms(dict, lo, hi)
	for {
		e, err := it.Next()
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if e == nil {
			return nil
		}
		if err := fn(e.Term); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// countByFacets counts with Bleve's facets over the facets field's doc
// values.
func (ix *Index) countByFacets(ctx context.Context, q query.Query) (counts, error) {
	sr := bleve.NewSearchRequestOptions(q, 0, 0, false)
	sr.Score = "none"
	sr.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, allTerms))
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return counts{}, err
	}
	c := counts{total: res.Total, terms: map[string]int{}}
	if fr := res.Facets[fFacets]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			c.terms[t.Term] = t.Count
		}
	}
	return c, nil
}
