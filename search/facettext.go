package search

import (
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A text clause on a field whose whole value is also a facet term
// (creator:"Budi Santoso", camera:nikon: see the facets table) is
// answered from that facet's terms when hits are counted: its few
// distinct values are analysed here, and the postings of those the clause
// matches are its hits. A phrase over the field itself checks the
// positions of every hit (a photographer's name holds 5% of the bank);
// this reads a few postings lists. The hits are the same, as the values
// are analysed with the field's analyzer and matched as Bleve matches
// them (TestCountByBitmaps compares both).

// facetText is a text clause answered from the terms of facet name.
type facetText struct {
	name  string
	match func(value analysis.TokenStream) bool
}

// facetTextOf returns q as a facetText, if it is a whole-word match or a
// phrase, with no fuzziness, on a facet-backed field.
func (ix *Index) facetTextOf(q query.Query) (facetText, bool) {
	var field, text, analyzer string
	var phrase bool
	switch q := q.(type) {
	case *query.MatchPhraseQuery:
		if q.Fuzziness != 0 {
			return facetText{}, false
		}
		field, text, analyzer, phrase = q.FieldVal, q.MatchPhrase, q.Analyzer, true
	case *query.MatchQuery:
		if q.Fuzziness != 0 || q.Prefix != 0 || q.Operator != query.MatchQueryOperatorAnd {
			return facetText{}, false
		}
		field, text, analyzer = q.FieldVal, q.Match, q.Analyzer
	default:
		return facetText{}, false
	}
	name := facetOfField(field)
	if name == "" || analyzer != textAnalyzer {
		return facetText{}, false
	}
	want := ix.parser.analyzer.Analyze([]byte(text))
	if phrase {
		return facetText{name, phraseMatcher(want)}, true
	}
	return facetText{name, wordsMatcher(want)}, true
}

// facetOfField is the facet whose terms hold field's whole value.
func facetOfField(field string) string {
	for _, f := range facets {
		if f.field != "" && f.field == field {
			return f.name
		}
	}
	return ""
}

// wordsMatcher matches a value holding every word of want, in any order,
// as Bleve's match query with the AND operator does.
func wordsMatcher(want analysis.TokenStream) func(analysis.TokenStream) bool {
	return func(value analysis.TokenStream) bool {
		if len(want) == 0 {
			return false
		}
		for _, w := range want {
			if !slices.ContainsFunc(value, func(v *analysis.Token) bool { return string(v.Term) == string(w.Term) }) {
				return false
			}
		}
		return true
	}
}

// phraseMatcher matches a value holding want's words at the same
// distances from each other, as Bleve's phrase query does (stop words
// dropped by the analyzer leave a gap that any word fills).
func phraseMatcher(want analysis.TokenStream) func(analysis.TokenStream) bool {
	return func(value analysis.TokenStream) bool {
		if len(want) == 0 {
			return false
		}
		at := make(map[int][]string, len(value))
		for _, v := range value {
			at[v.Position] = append(at[v.Position], string(v.Term))
		}
		first := slices.MinFunc(want, func(a, b *analysis.Token) int { return a.Position - b.Position }).Position
	starts:
		for start := range at {
			for _, w := range want {
				if !slices.Contains(at[start+w.Position-first], string(w.Term)) {
					continue starts
				}
			}
			return true
		}
		return false
	}
}

// facetTextBitmaps returns the hits of ft in each of segs: the union of the
// postings of the facet terms it matches, without the deleted documents
// if live.
func (ix *Index) facetTextBitmaps(ft facetText, segs []*scorch.SegmentSnapshot, live bool) ([]*roaring.Bitmap, bool, error) {
	matched := map[string]bool{}                       // value → matches, across segments
	lo, hi := []byte(ft.name+":"), []byte(ft.name+";") // ";" follows ":"
	out := make([]*roaring.Bitmap, len(segs))
	for i, s := range segs {
		dict, err := s.Segment().Dictionary(fFacets)
		if err != nil {
			return nil, false, fmt.Errorf("count: %w", err)
		}
		var deleted *roaring.Bitmap
		if live {
			deleted = s.Deleted()
		}
		var terms []string
		err = eachTerm(dict, lo, hi, func(term string) error {
			v := term[len(lo):]
			m, seen := matched[v]
			if !seen {
				m = ft.match(ix.parser.analyzer.Analyze([]byte(v)))
				matched[v] = m
			}
			if m {
				terms = append(terms, term)
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		var ok bool
		if out[i], ok, err = postingsUnion(dict, terms, deleted); err != nil || !ok {
			return nil, ok, err
		}
	}
	return out, true, nil
}

// postingsBitmap returns the documents of term in dict, less except. It
// reports false if the postings are not a bitmap. The bitmap may be the
// segment's own: it is not to be changed.
func postingsBitmap(dict segment.TermDictionary, term string, except *roaring.Bitmap) (*roaring.Bitmap, bool, error) {
	var r postingsReader
	return r.bitmap(dict, term, except)
}

// postingsReader reads postings lists as bitmaps, one after the other,
// reusing what Bleve allocates for each; a bitmap it returns is valid
// until its next read.
type postingsReader struct {
	pl segment.PostingsList
	pi segment.PostingsIterator
}

// bitmap is postingsBitmap, reusing r's lists.
func (r *postingsReader) bitmap(dict segment.TermDictionary, term string, except *roaring.Bitmap) (*roaring.Bitmap, bool, error) {
	opt, ok, err := r.read(dict, term, except)
	if err != nil || !ok {
		return nil, ok, err
	}
	if bm := opt.ActualBitmap(); bm != nil {
		return bm, true, nil
	}
	out := roaring.New()
	if d, ok := opt.DocNum1Hit(); ok {
		out.Add(uint32(d))
	}
	return out, true, nil
}

// read opens the postings of term in dict, less except, as an iterator
// that tells its documents as a bitmap or as the one document it has;
// it reports false if the postings cannot.
func (r *postingsReader) read(dict segment.TermDictionary, term string, except *roaring.Bitmap) (segment.OptimizablePostingsIterator, bool, error) {
	var err error
	if r.pl, err = dict.PostingsList([]byte(term), except, r.pl); err != nil {
		return nil, false, fmt.Errorf("postings of %q: %w", term, err)
	}
	r.pi = r.pl.Iterator(false, false, false, r.pi)
	opt, ok := r.pi.(segment.OptimizablePostingsIterator)
	return opt, ok, nil
}
