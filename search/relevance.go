package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// relevancePage returns hits from..from+size of q in relevance order:
// by score, then newest first (sorts["relevance"]), as Bleve's sort on
// those keys would. Bleve reads the date key of every hit to sort them
// all, and a common word holds a fifth of the bank; here only the hits
// scored at or above the last of the page get their key read (the page
// and the few that tie with its last), so a page costs the scoring of the
// hits and little more. TestRelevancePage compares both. If every hit
// scores alike (a filter, type:video), it reports so instead: the order
// is then the date order, which sortedPage finds without reading every
// hit's key.
func (ix *Index) relevancePage(ctx context.Context, q query.Query, from, size int) ([]Hit, bool, error) {
	rank, filter := rankParts(q)
	if len(rank) == 0 {
		return nil, true, nil
	}
	r, err := ix.reader()
	if err != nil {
		return nil, false, fmt.Errorf("relevance: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		hits, err := ix.page(ctx, q, from, size, "relevance")
		return hits, false, err
	}
	if filter != nil {
		// The filter read as bitmaps, as the stats read it (hitBitmaps):
		// a creator's name from its facet terms, not as a phrase.
		segs := snap.Segments()
		bms, ok, err := ix.hitBitmaps(ctx, filter, snap, segs)
		if err != nil {
			return nil, false, fmt.Errorf("relevance: %w", err)
		}
		if ok {
			filter = &hitsQuery{q: filter, hits: newHitSet(segs, bms)}
		}
	}
	best, alike, err := ix.bestScored(ctx, scoredAs(rank, filter), snap, from+size, 1024)
	if err != nil || alike {
		return nil, alike, err
	}
	dvr, err := snap.DocValueReader([]string{fTakenDesc})
	if err != nil {
		return nil, false, fmt.Errorf("relevance: %w", err)
	}
	for i := range best {
		err := dvr.VisitDocValues(index.NewIndexInternalID(nil, best[i].num), func(_ string, term []byte) {
			best[i].key = string(term)
		})
		if err != nil {
			return nil, false, fmt.Errorf("relevance: %w", err)
		}
	}
	slices.SortFunc(best, func(a, b scoredHit) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.key, b.key))
	})
	if from >= len(best) {
		return []Hit{}, false, nil
	}
	best = best[from:min(from+size, len(best))]
	ids := make([]string, len(best))
	for i, h := range best {
		if ids[i], err = snap.ExternalID(index.NewIndexInternalID(nil, h.num)); err != nil {
			return nil, false, fmt.Errorf("relevance: %w", err)
		}
	}
	hits, err := ix.hitsByID(ctx, ids, best)
	return hits, false, err
}

// rankParts splits q, a parsed query ANDed to its scope, into what
// ranks its hits and the one query that narrows them (nil if nothing
// does). The words and phrases typed without a field name rank
// (wordQuery): they are looked for in several fields, and how well an
// asset matches them is what relevance is. A clause on one field
// narrows: field:value, a date or a range of dates, type:, year:, the
// collections of a scope, the document type, and what the query leaves
// out (-word). Scored, a filter ranks by accident (a date range's terms
// put a month of fewer photos above a month of more, camera:nikon a
// shorter model name above a longer), and costs a score for every hit:
// a common word with an open range of dates took 339 ms p95 at a
// million, where the word alone took 125.
func rankParts(q query.Query) (rank []query.Query, filter query.Query) {
	and, not := andParts(q)
	var narrow []query.Query
	for _, c := range and {
		if _, ok := c.(*wordQuery); ok {
			rank = append(rank, c)
		} else if _, all := c.(*query.MatchAllQuery); !all {
			narrow = append(narrow, c)
		}
	}
	switch {
	case len(not) > 0:
		if len(narrow) == 0 {
			narrow = []query.Query{query.NewMatchAllQuery()}
		}
		filter = query.NewBooleanQuery(narrow, nil, not)
	case len(narrow) == 1:
		filter = narrow[0]
	case len(narrow) > 1:
		filter = query.NewConjunctionQuery(narrow)
	}
	return rank, filter
}

// ranked is q as the relevance order scores it (rankParts).
func ranked(q query.Query) query.Query { return scoredAs(rankParts(q)) }

// scoredAs ANDs what ranks and the filter, which matches without
// weighing in the score, and rounds the score to a float32. With nothing
// to rank, every hit scores the same; its relevance order is then the
// date order (relevancePage): scoring a query of filters to sort the
// ties of a year's photos by date cost 0.7 s at a million.
//
// Bleve sums the scores of a word's fields in the order its OR keeps
// them in a heap, which depends on the segments the index was written
// in: the same asset scored a last bit apart in an index rebuilt from
// the same records, and ties fell apart in another order. Rounded, they
// tie again, unless the sum lies within a few bits of a float32
// rounding boundary (about one score in 10^8); scores closer than a
// float32's precision tie too, and go newest first.
func scoredAs(rank []query.Query, filter query.Query) query.Query {
	if len(rank) == 0 {
		rank = []query.Query{query.NewMatchAllQuery()}
	}
	if filter != nil {
		rank = append(slices.Clip(rank), &rescoredQuery{q: filter, filter: true})
	}
	if len(rank) == 1 {
		return &rescoredQuery{q: rank[0]}
	}
	return &rescoredQuery{q: query.NewConjunctionQuery(rank)}
}

// rescoredQuery is q with its scores rounded to a float32 (scoredAs),
// or, as a filter, with none: searched without scores, each hit scoring
// 0 and the searcher weighing 0, so that it adds nothing to the score of
// the conjunction it is in. There it still leads when it is the smaller
// side: a word ANDed to a day is a step through the day's hits, not
// through the word's.
type rescoredQuery struct {
	q      query.Query
	filter bool
}

func (rq *rescoredQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	if rq.filter {
		opts = bsearch.SearcherOptions{Score: "none"}
	}
	s, err := rq.q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	return rescoredSearcher{s, rq.filter}, nil
}

type rescoredSearcher struct {
	bsearch.Searcher
	filter bool
}

func (s rescoredSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	return s.rescore(dm), err
}

func (s rescoredSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	return s.rescore(dm), err
}

func (s rescoredSearcher) rescore(dm *bsearch.DocumentMatch) *bsearch.DocumentMatch {
	switch {
	case dm == nil:
	case s.filter:
		dm.Score = 0
	default:
		dm.Score = float64(float32(dm.Score))
	}
	return dm
}

func (s rescoredSearcher) Weight() float64 {
	if s.filter {
		return 0
	}
	return s.Searcher.Weight()
}

func (s rescoredSearcher) SetQueryNorm(qnorm float64) {
	if !s.filter {
		s.Searcher.SetQueryNorm(qnorm)
	}
}

// scoredHit is a hit of the relevance order: its document number in the
// snapshot, its score and its date key.
type scoredHit struct {
	num   uint64
	score float64
	key   string
}

// bestScored returns the hits of q that score at least as high as the
// n-th best, ties included, in no order, and whether more than n hits
// scored all alike. It holds at most 2n+slack hits (and the ties) at a
// time.
func (ix *Index) bestScored(ctx context.Context, q query.Query, snap *scorch.IndexSnapshot, n, slack int) ([]scoredHit, bool, error) {
	var kept []scoredHit
	floor := math.Inf(-1)
	lo, hi := math.Inf(1), math.Inf(-1)
	prune := 2*n + slack
	err := ix.eachHit(ctx, q, snap, "", func(dm *bsearch.DocumentMatch) error {
		lo, hi = min(lo, dm.Score), max(hi, dm.Score)
		if dm.Score >= floor {
			kept = append(kept, scoredHit{num: dm.IndexInternalID.Value(), score: dm.Score})
		}
		if len(kept) >= prune {
			kept, floor = keepBest(kept, n)
			// Ties with the n-th best stay: when they are many (a
			// filter scores every hit alike), prune again only once
			// they have doubled, not at every hit.
			prune = max(prune, 2*len(kept))
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("relevance: %w", err)
	}
	kept, _ = keepBest(kept, n)
	return kept, lo == hi && len(kept) > n, nil
}

// keepBest keeps the hits scoring at least as high as the n-th best, and
// returns that score.
func keepBest(hs []scoredHit, n int) ([]scoredHit, float64) {
	if len(hs) <= n {
		return hs, math.Inf(-1)
	}
	scores := make([]float64, len(hs))
	for i, h := range hs {
		scores[i] = h.score
	}
	slices.SortFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) })
	floor := scores[n-1]
	return slices.DeleteFunc(hs, func(h scoredHit) bool { return h.score < floor }), floor
}

// hitsByID returns the hits of ids, in that order, with their scores.
func (ix *Index) hitsByID(ctx context.Context, ids []string, scored []scoredHit) ([]Hit, error) {
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Score = "none"
	sr.Fields = hitFields()
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("relevance: %w", err)
	}
	byID := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	hits := make([]Hit, 0, len(ids))
	for i, id := range ids {
		h := byID[id]
		if h == nil {
			continue // deleted since: a write ran meanwhile
		}
		h.Score = scored[i].score
		hit, err := hitOf(h, ix.zone)
		if err != nil {
			return nil, err
		}
		hits = append(hits, hit)
	}
	return hits, nil
}

// scoreAlike gives hits the score that every hit of q has, nothing in q
// ranking them (rankParts): its first hit's, as ranked scores it.
func (ix *Index) scoreAlike(ctx context.Context, q query.Query, hits []Hit) error {
	r, err := ix.reader()
	if err != nil {
		return fmt.Errorf("relevance: %w", err)
	}
	defer r.Close()
	return ix.eachHit(ctx, ranked(q), r, "", func(dm *bsearch.DocumentMatch) error {
		for i := range hits {
			hits[i].Score = dm.Score
		}
		return errStop
	})
}
