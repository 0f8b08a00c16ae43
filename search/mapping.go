package search

import (
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

// mappingVersion is stored in the index; bump it whenever the mapping or
// the analyzers change, so an old index asks for `mediabank reindex`
// instead of silently answering with stale analysis.
const mappingVersion = "10"

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
	fAll        = "_all" // bleve's composite of every field included in all
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
	fTaken      = "taken"    // the day taken, searched by range
	fTakenAt    = "taken_at" // the time taken, stored for hits only
	// The date orders' keys: the time and then the id in one short term,
	// one for each direction (see sortKeys), cheaper to read per hit than
	// the date field's sixteen terms and the id.
	fTakenAsc    = "taken_asc"
	fTakenDesc   = "taken_desc"
	fType        = "type"
	fYear        = "year"
	fFCollection = "f_collection"
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

// addAnalysis adds the stop words, the character filter and the three
// analyzers (text, keyword, label).
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
		// File names split on "_" and "." too, so DSC_0042.NEF is found by
		// "0042" and "dsc"; the unicode tokenizer already splits on "-".
		{"char filter", im.AddCustomCharFilter, "mb_split", map[string]any{
			"type": regexp.Name, "regexp": `[_.]`, "replace": " "}},
		{"analyzer", im.AddCustomAnalyzer, textAnalyzer, map[string]any{
			"type":          custom.Name,
			"char_filters":  []any{asciifolding.Name, "mb_split"},
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
	taken := mapping.NewDateTimeFieldMapping()
	taken.IncludeInAll = false
	// The date orders sort on taken_asc and taken_desc, so taken is only
	// searched by range: doc values of its sixteen terms per asset would
	// cost reindex time and space for nothing. Hits show taken_at.
	taken.DocValues = false
	taken.Store = false

	dm := mapping.NewDocumentStaticMapping()
	for name, f := range map[string]*mapping.FieldMapping{
		typeField: filterField(false, false),
		fName:     textField(true, true),
		// The name order's key ends on the id (nameKey), as the date
		// orders' keys do: an id field of its own, a term unique to each
		// asset, cost reindex time for one sort key.
		fNameSort: keywordField(false, false),
		fCaption:  textField(false, true),
		fHeadline: textField(false, true),
		fKeywords: textField(false, true),
		fCreator:  textField(false, true),
		fMake:     textField(false, true),
		fModel:    textField(false, true),
		// camera repeats make and model, so it stays out of _all.
		fCamera:     textField(true, false),
		fLens:       textField(false, true),
		fCollection: textField(true, true),
		fCity:       textField(false, true),
		fCountry:    textField(false, true),
		fTaken:      taken,
		fTakenAt:    shownField(),
		fTakenAsc:   keywordField(false, false),
		fTakenDesc:  keywordField(false, false),
		// type and year are in _all so that "video" or "2026" work as
		// plain words.
		fType:        filterField(true, true),
		fYear:        filterField(false, true),
		fFCollection: filterField(false, false),
		fFacets:      facetValues,
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
