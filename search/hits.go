package search

import (
	"context"
	"reflect"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// hitSet is a query's hits as the stats pass found them: one bitmap of
// segment-local document numbers per segment of the snapshot it read,
// and what tells that snapshot from another (its segments and their
// deleted documents).
type hitSet struct {
	segs    []segment.Segment
	deleted []*roaring.Bitmap
	bms     []*roaring.Bitmap
}

func newHitSet(segs []*scorch.SegmentSnapshot, bms []*roaring.Bitmap) *hitSet {
	h := &hitSet{segs: make([]segment.Segment, len(segs)), deleted: make([]*roaring.Bitmap, len(segs)), bms: bms}
	for i, s := range segs {
		h.segs[i], h.deleted[i] = s.Segment(), s.Deleted()
	}
	return h
}

// on reports whether snap holds the documents the hits were found in:
// the same segments with the same deletions. A write in between makes a
// new segment or new deletions (merges and persisting make new segments
// too, which is enough to say no).
func (h *hitSet) on(snap *scorch.IndexSnapshot) bool {
	segs := snap.Segments()
	if len(segs) != len(h.segs) {
		return false
	}
	for i, s := range segs {
		if s.Segment() != h.segs[i] {
			return false
		}
		d := s.Deleted()
		if d != h.deleted[i] && (d == nil || h.deleted[i] == nil || !d.Equals(h.deleted[i])) {
			return false
		}
	}
	return true
}

// hitsQuery matches the hits of q found by the stats pass, read from
// their bitmaps instead of running q again (a phrase's positions, say):
// what a page in date or name order needs, with no score. On a snapshot
// other than the one the hits were found in, or when scores are asked
// for, it is q.
type hitsQuery struct {
	q    query.Query
	hits *hitSet
}

func (hq *hitsQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || opts.Score != "none" || opts.IncludeTermVectors || opts.Explain || !hq.hits.on(snap) {
		return hq.q.Searcher(ctx, r, m, opts)
	}
	return newHitsSearcher(hq.hits.bms, snap.Segments()), nil
}

// hitsSearcher steps through per-segment bitmaps of hits in document
// order. A snapshot numbers its documents across segments, each segment
// starting after the documents (deleted or not) of the ones before it;
// scorch's internal id is that number, 8 bytes big-endian.
type hitsSearcher struct {
	bms     []*roaring.Bitmap
	offsets []uint64 // the number of each segment's first document
	seg     int      // the segment it is in
	it      roaring.IntPeekable
	count   uint64
}

var hitsSearcherSize = int(reflect.TypeFor[hitsSearcher]().Size())

func newHitsSearcher(bms []*roaring.Bitmap, segs []*scorch.SegmentSnapshot) *hitsSearcher {
	s := &hitsSearcher{bms: bms, offsets: make([]uint64, len(segs))}
	var off uint64
	for i, seg := range segs {
		s.offsets[i] = off
		off += uint64(seg.FullSize())
		s.count += bms[i].GetCardinality()
	}
	return s
}

func (s *hitsSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for s.seg < len(s.bms) {
		if s.it == nil {
			s.it = s.bms[s.seg].Iterator()
		}
		if s.it.HasNext() {
			dm := ctx.DocumentMatchPool.Get()
			dm.IndexInternalID = index.NewIndexInternalID(dm.IndexInternalID, s.offsets[s.seg]+uint64(s.it.Next()))
			return dm, nil
		}
		s.seg, s.it = s.seg+1, nil
	}
	return nil, nil
}

// Advance returns the first hit at id or after it (after the hits
// already returned).
func (s *hitsSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	n := id.Value()
	seg := sort.Search(len(s.offsets), func(i int) bool { return s.offsets[i] > n }) - 1
	if seg > s.seg {
		s.seg, s.it = seg, nil
	}
	if seg == s.seg && s.seg < len(s.bms) {
		if s.it == nil {
			s.it = s.bms[s.seg].Iterator()
		}
		s.it.AdvanceIfNeeded(uint32(n - s.offsets[s.seg]))
	}
	return s.Next(ctx)
}

func (s *hitsSearcher) Count() uint64 { return s.count }

// Weight and SetQueryNorm: the hits are not scored.
func (s *hitsSearcher) Weight() float64 { return 1 }

func (s *hitsSearcher) SetQueryNorm(float64) {}

func (s *hitsSearcher) Close() error { return nil }

func (s *hitsSearcher) Min() int { return 0 }

func (s *hitsSearcher) Size() int { return hitsSearcherSize + 8*len(s.offsets) + 8*len(s.bms) }

func (s *hitsSearcher) DocumentMatchPoolSize() int { return 1 }
