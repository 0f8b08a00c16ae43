package search

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// mappingVersion is stored in the index; bump it whenever the mapping or
// the analyzers change, so an old index asks for `mediabank reindex`
// instead of silently answering with stale analysis. 12: the name order's
// key ends on 16 digits of the id, not 64 (nameKey).
const mappingVersion = "12"

// Analyzer names.
const (
	textAnalyzer    = "mb_text"
	keywordAnalyzer = "mb_keyword"
	labelAnalyzer   = "mb_label" // one token, case kept: how a facet term is shown
)

// Document types: assets, and coverage collections.
const (
	typeField      = "doc_type"
	assetType      = "asset"
	collectionType = "collection"
)

// Field names in the index.
const (
	fAll        = "_all" // bleve's composite of every field included in all; collections only
	fID         = "id"   // of collections; assets are found by Bleve's _id
	fName       = "name"
	fNameSort   = "name_sort"
	fCaption    = "caption"
	fHeadline   = "headline"
	fKeywords   = "keywords"
	fCreator    = "creator"
	fMake       = "make"
	fModel      = "model"
	fCamera     = "camera" // normalised "Make Model", also shown in hits
	fLens       = "lens"
	fCollection = "collection"
	fCity       = "city"
	fCountry    = "country"
	fTakenAt    = "taken_at" // the time taken, stored for hits only
	// The date orders' keys: the time and then the id in one short term,
	// one for each direction (see sortKeys), cheaper to read per hit than
	// the date field's sixteen terms and the id.
	fTakenAsc  = "taken_asc"
	fTakenDesc = "taken_desc"
	fType      = "type"
	fYear      = "year"
	// facets holds every facet value of a document as "name:value", so
	// that counting them all reads one field's doc values per hit
	// instead of one field each.
	fFacets = "facets"

	// Collection fields.
	fTitle       = "title"
	fAgency      = "agency"
	fPlace       = "place"
	fDescription = "description"
	fState       = "state"
	fStaff       = "staff"
	fStarts      = "starts"
)

// wordFields are the fields of an asset where a word or phrase typed
// without a field name is looked for (parser.anyField). Assets have no
// _all field: it repeated each of these words with its position, a
// quarter of a reindex's CPU (docs/benchmarks.md). camera is left out:
// it repeats make and model. type and year are in, so that "video" or
// "2026" work as plain words.
var wordFields = []string{fName, fCaption, fHeadline, fKeywords, fCreator, fMake, fModel, fLens,
	fCollection, fCity, fCountry, fType, fYear}

// facets are the public facet names and sizes. Camera, creator, lens and
// city keep the case people wrote, and spellings of one name are counted
// together under its lower-cased term (mergeCase); the others are
// lower-cased when indexed, as their filters are. Year is summed from the
// months, so the index holds no facet value for it.
//
// field is the text field that holds the same value as the facet, whole
// (document indexes both from one string): a text clause on it can be
// answered from the facet's terms (facettext.go).
var facets = []struct {
	name      string
	size      int
	mergeCase bool
	field     string
}{
	{"type", 4, false, ""},
	{"camera", 20, true, fCamera},
	{"creator", 20, true, fCreator},
	{"year", 20, false, ""},
	{"month", 24, false, ""},
	{"collection", 20, false, ""},
	{"lens", 20, true, fLens},
	{"city", 20, true, fCity},
}

// Stop words are kept short on purpose: Lucene's Indonesian list (bleve's
// stop_id) drops words that are content in captions here, such as "lama"
// (Pasar Lama), "baru", "kecil", "depan", "dini" or "bersama".
var (
	stopWordsID = []string{
		"yang", "dan", "di", "ke", "dari", "untuk", "dengan", "pada", "ini",
		"itu", "atau", "dalam", "oleh", "akan", "juga", "adalah", "sebagai",
		"karena", "tersebut", "serta", "telah", "sudah", "bagi", "tentang",
		"kepada", "saat", "ketika", "secara", "agar",
	}
	stopWordsEN = []string{
		"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for",
		"with", "by", "from", "is", "are", "was", "were", "be", "this",
		"that", "as", "it", "its",
	}
)

// buildMapping returns the index mapping: one "asset" document type
// selected by doc_type, a text analyzer for Indonesian and English, and
// lower-cased keyword fields for facets and filters.
func buildMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	if err := addAnalysis(im); err != nil {
		return nil, err
	}
	im.DefaultAnalyzer = textAnalyzer
	im.TypeField = typeField
	im.DefaultType = assetType
	im.DefaultMapping = mapping.NewDocumentDisabledMapping()
	im.AddDocumentMapping(assetType, assetMapping())
	im.AddDocumentMapping(collectionType, collectionMapping())
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("search: mapping: validate: %w", err)
	}
	return im, nil
}

// splitCharsName is the char filter that makes "_" and "." spaces, so
// that file names split into their words: DSC_0042.NEF is found by "dsc"
// and "0042" (the unicode tokenizer already splits on "-"). Bleve's
// regexp char filter did the same for 3% of a reindex's CPU.
const splitCharsName = "mb_split_chars"

type splitChars struct{}

func (splitChars) Filter(in []byte) []byte {
	i := bytes.IndexAny(in, "_.")
	if i < 0 {
		return in
	}
	out := bytes.Clone(in) // in may be the document's own bytes
	for ; i < len(out); i++ {
		if out[i] == '_' || out[i] == '.' {
			out[i] = ' '
		}
	}
	return out
}

// Bleve finds analysis components by name in its registry, which is
// filled by each component's init, as here.
func init() {
	if err := registry.RegisterCharFilter(splitCharsName, func(map[string]any, *registry.Cache) (analysis.CharFilter, error) {
		return splitChars{}, nil
	}); err != nil {
		panic(err)
	}
}

// addAnalysis adds the stop words and the three analyzers (text,
// keyword, label).
func addAnalysis(im *mapping.IndexMappingImpl) error {
	stops := make([]any, 0, len(stopWordsID)+len(stopWordsEN))
	for _, w := range slices.Concat(stopWordsID, stopWordsEN) {
		stops = append(stops, w)
	}
	steps := []struct {
		kind string
		add  func(string, map[string]any) error
		name string
		cfg  map[string]any
	}{
		{"token map", im.AddCustomTokenMap, "mb_stop_words", map[string]any{
			"type": tokenmap.Name, "tokens": stops}},
		{"token filter", im.AddCustomTokenFilter, "mb_stop", map[string]any{
			"type": stop.Name, "stop_token_map": "mb_stop_words"}},
		{"analyzer", im.AddCustomAnalyzer, textAnalyzer, map[string]any{
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name, splitCharsName},
			"tokenizer":     unicode.Name,
			"token_filters": []any{lowercase.Name, "mb_stop"},
		}},
		{"analyzer", im.AddCustomAnalyzer, keywordAnalyzer, map[string]any{
			"type":          custom.Name,
			"tokenizer":     single.Name,
			"token_filters": []any{lowercase.Name},
		}},
		{"analyzer", im.AddCustomAnalyzer, labelAnalyzer, map[string]any{
			"type":      custom.Name,
			"tokenizer": single.Name,
		}},
	}
	for _, s := range steps {
		if err := s.add(s.name, s.cfg); err != nil {
			return fmt.Errorf("search: mapping: add %s %s: %w", s.kind, s.name, err)
		}
	}
	return nil
}

func textField(store, inAll bool) *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer = textAnalyzer
	f.Store = store
	f.IncludeInAll = inAll
	f.DocValues = false
	return f
}

func keywordField(store, inAll bool) *mapping.FieldMapping {
	f := mapping.NewKeywordFieldMapping()
	f.Analyzer = keywordAnalyzer
	f.Store = store
	f.IncludeInAll = inAll
	f.IncludeTermVectors = false
	return f
}

// shownField is stored for hits to show, and neither searched nor
// sorted on.
func shownField() *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer = labelAnalyzer
	f.Index = false
	f.Store = true
	f.IncludeInAll = false
	f.IncludeTermVectors = false
	f.DocValues = false
	return f
}

// filterField is a keyword field without doc values: they cost space and
// reindex time, and only the fields that are sorted on or counted in
// facets need them.
func filterField(store, inAll bool) *mapping.FieldMapping {
	f := keywordField(store, inAll)
	f.DocValues = false
	return f
}

// assetMapping is the mapping of the "asset" documents.
func assetMapping() *mapping.DocumentMapping {
	// Facet values keep the case people wrote, so a term is also its
	// label ("Nikon D70", not "nikon d70").
	facetValues := keywordField(false, false)
	facetValues.Analyzer = labelAnalyzer

	dm := mapping.NewDocumentStaticMapping()
	// No _all: a word without a field name is looked for in each of
	// wordFields.
	dm.AddSubDocumentMapping(fAll, mapping.NewDocumentDisabledMapping())
	for name, f := range map[string]*mapping.FieldMapping{
		typeField: filterField(false, false),
		fName:     textField(true, false),
		// The name order's key ends on the id (nameKey), as the date
		// orders' keys do: an id field of its own, a term unique to each
		// asset, cost reindex time for one sort key.
		fNameSort:   keywordField(false, false),
		fCaption:    textField(false, false),
		fHeadline:   textField(false, false),
		fKeywords:   textField(false, false),
		fCreator:    textField(false, false),
		fMake:       textField(false, false),
		fModel:      textField(false, false),
		fCamera:     textField(true, false),
		fLens:       textField(false, false),
		fCollection: textField(true, false),
		fCity:       textField(false, false),
		fCountry:    textField(false, false),
		fTakenAt:    shownField(),
		fTakenAsc:   keywordField(false, false),
		fTakenDesc:  keywordField(false, false),
		fType:       filterField(true, false),
		fYear:       filterField(false, false),
		fFacets:     facetValues,
	} {
		dm.AddFieldMappingsAt(name, f)
	}
	return dm
}

// collectionMapping is the mapping of the "collection" documents.
func collectionMapping() *mapping.DocumentMapping {
	starts := mapping.NewDateTimeFieldMapping()
	starts.IncludeInAll = false
	cm := mapping.NewDocumentStaticMapping()
	for name, f := range map[string]*mapping.FieldMapping{
		typeField:    keywordField(false, false),
		fID:          keywordField(false, false),
		fTitle:       textField(false, true),
		fAgency:      textField(false, true),
		fPlace:       textField(false, true),
		fDescription: textField(false, true),
		fState:       textField(false, true),
		fStaff:       textField(false, true),
		fStarts:      starts,
	} {
		cm.AddFieldMappingsAt(name, f)
	}
	return cm
}
