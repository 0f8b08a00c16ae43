package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
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
	if unranked(q) {
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
	best, alike, err := ix.bestScored(ctx, q, snap, from+size, 1024)
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

// unranked tells whether q only filters: each of its ANDed parts a term,
// or an OR of terms, of a field that holds whole values (the document
// type, the kind, the year, the facets, which hold the days and months
// and collections). No query is the document type alone. Such a query
// has nothing to rank by: its hits score alike, or apart only because
// Bleve weighs a rarer term higher (a month with fewer photos), and
// scoring them to sort the ties of a year's photos by date cost 0.7 s
// at a million. Its relevance order is the date order, as when every
// hit scores alike.
func unranked(q query.Query) bool {
	for _, c := range conjuncts(q) {
		tqs, ok := termsOf(c)
		if !ok {
			return false
		}
		for _, tq := range tqs {
			switch tq.FieldVal {
			case typeField, fType, fYear, fFacets:
			default:
				return false
			}
		}
	}
	return true
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

// scoreAlike gives hits the score that every hit of q has, q being
// unranked: its first hit's.
func (ix *Index) scoreAlike(ctx context.Context, q query.Query, hits []Hit) error {
	r, err := ix.reader()
	if err != nil {
		return fmt.Errorf("relevance: %w", err)
	}
	defer r.Close()
	return ix.eachHit(ctx, q, r, "", func(dm *bsearch.DocumentMatch) error {
		for i := range hits {
			hits[i].Score = dm.Score
		}
		return errStop
	})
}
