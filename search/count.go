package search

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// count counts the hits of q and the facet terms they hold.
//
// It does so on Bleve's own index, segment by segment: the query's hits
// go into a bitmap, and each facet term's count is the size of the
// intersection of that bitmap with the term's postings, which the index
// keeps as bitmaps too. That costs one step of the query's searcher per
// hit and a bitmap AND per term, where Bleve's facets read and decompress
// every hit's doc values and count each term of each hit in a map (about
// five times the CPU per hit, see docs/benchmarks.md). The counts are the
// same; countByFacets, Bleve's way, is kept for an index whose segments
// do not expose their postings as bitmaps.
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
	adv, err := ix.idx.Advanced()
	if err != nil {
		return counts{}, false, fmt.Errorf("count: %w", err)
	}
	r, err := adv.Reader()
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

// hitBitmaps returns the hits of q as one bitmap of segment-local
// document numbers per segment. The term queries ANDed at its top (the
// document type above all) are read as their postings, with no step
// per hit; the rest of q is run by its searcher. It reports false if a
// segment's postings are not bitmaps.
func (ix *Index) hitBitmaps(ctx context.Context, q query.Query, snap *scorch.IndexSnapshot, segs []*scorch.SegmentSnapshot) ([]*roaring.Bitmap, bool, error) {
	var terms []*query.TermQuery
	var others []query.Query
	for _, c := range conjuncts(q) {
		if tq, ok := c.(*query.TermQuery); ok && tq.FieldVal != "" {
			terms = append(terms, tq)
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
	for _, tq := range terms {
		// Hits found so far hold no deleted document: no need to
		// leave those out of the term's postings (a copy of each).
		bms, ok, err := termBitmaps(tq, segs, out == nil)
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
	return out, true, nil
}

// conjuncts are the queries q ANDs at its top, nested conjunctions
// flattened; q alone if it is no conjunction.
func conjuncts(q query.Query) []query.Query {
	cq, ok := q.(*query.ConjunctionQuery)
	if !ok {
		return []query.Query{q}
	}
	var out []query.Query
	for _, c := range cq.Conjuncts {
		out = append(out, conjuncts(c)...)
	}
	return out
}

// searchBitmaps runs q's searcher over snap and returns its hits as
// bitmaps. A snapshot numbers its documents across segments, each
// segment starting after the documents (deleted or not) of the ones
// before it.
func (ix *Index) searchBitmaps(ctx context.Context, q query.Query, snap *scorch.IndexSnapshot, segs []*scorch.SegmentSnapshot) ([]*roaring.Bitmap, error) {
	s, err := q.Searcher(ctx, snap, ix.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{
		DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       snap,
	}
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
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("count: %w", err)
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		for num >= end {
			flush()
			seg++
			if seg >= len(segs) {
				return nil, fmt.Errorf("count: hit %d past the last segment", num)
			}
			start, end = end, end+uint64(segs[seg].FullSize())
		}
		local = append(local, uint32(num-start))
		sctx.DocumentMatchPool.Put(dm)
	}
	flush()
	return out, nil
}

// termBitmaps returns the hits of a term query as its postings, without
// the deleted documents if live. It reports false if a segment's
// postings are not bitmaps.
func termBitmaps(tq *query.TermQuery, segs []*scorch.SegmentSnapshot, live bool) ([]*roaring.Bitmap, bool, error) {
	out := make([]*roaring.Bitmap, len(segs))
	for i, s := range segs {
		dict, err := s.Segment().Dictionary(tq.FieldVal)
		if err != nil {
			return nil, false, fmt.Errorf("count: %w", err)
		}
		var deleted *roaring.Bitmap
		if live {
			deleted = s.Deleted()
		}
		pl, err := dict.PostingsList([]byte(tq.Term), deleted, nil)
		if err != nil {
			return nil, false, fmt.Errorf("count: %w", err)
		}
		opt, ok := pl.Iterator(false, false, false, nil).(segment.OptimizablePostingsIterator)
		if !ok {
			return nil, false, nil
		}
		out[i] = roaring.New()
		if bm := opt.ActualBitmap(); bm != nil {
			out[i] = bm
		} else if d, ok := opt.DocNum1Hit(); ok {
			out[i].Add(uint32(d))
		}
	}
	return out, true, nil
}

// facetPostings are the terms of the facets field in one segment and
// their postings, copied out of the segment: a segment never changes, so
// they are read from its dictionary once, not on every count (a walk of
// the dictionary costs about as much as counting 30,000 hits).
type facetPostings struct {
	terms []string
	bms   []*roaring.Bitmap
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
// postings (deleted documents included: the hits they are ANDed with
// hold none). It reports false if seg's postings are not bitmaps.
func readFacetPostings(seg segment.Segment) (*facetPostings, bool, error) {
	dict, err := seg.Dictionary(fFacets)
	if err != nil {
		return nil, false, fmt.Errorf("count: %w", err)
	}
	var it segment.DictionaryIterator
	if d, ok := dict.(termLister); ok {
		it = d.AutomatonIteratorOmitCount(nil, nil, nil)
	} else {
		it = dict.AutomatonIterator(nil, nil, nil)
	}
	fp := &facetPostings{}
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	for {
		e, err := it.Next()
		if err != nil {
			return nil, false, fmt.Errorf("count: %w", err)
		}
		if e == nil {
			return fp, true, nil
		}
		if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
			return nil, false, fmt.Errorf("count: %w", err)
		}
		pi = pl.Iterator(false, false, false, pi)
		opt, ok := pi.(segment.OptimizablePostingsIterator)
		if !ok {
			return nil, false, nil
		}
		var bm *roaring.Bitmap
		if actual := opt.ActualBitmap(); actual != nil {
			bm = actual.Clone() // out of the segment's memory, which closes with it
		} else if d, ok := opt.DocNum1Hit(); ok {
			bm = roaring.BitmapOf(uint32(d)) // a term of one document has no bitmap
		} else {
			continue
		}
		fp.terms = append(fp.terms, e.Term)
		fp.bms = append(fp.bms, bm)
	}
}

// count adds to terms, for each facet term of fp, how many of hits hold
// it.
func (fp *facetPostings) count(hits *roaring.Bitmap, terms map[string]int) {
	for i, bm := range fp.bms {
		if n := int(bm.AndCardinality(hits)); n > 0 {
			terms[fp.terms[i]] += n
		}
	}
}

// termLister is a dictionary that can list its terms without reading
// each one's postings for its count (zap's, from version 17).
type termLister interface {
	AutomatonIteratorOmitCount(a segment.Automaton, startKeyInclusive, endKeyExclusive []byte) segment.DictionaryIterator
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
