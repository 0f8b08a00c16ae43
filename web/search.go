package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

// searchFilters are the facet filters of the search page; each becomes a
// clause of the query syntax, so the query the page runs is one an editor
// could have typed.
var searchFilters = []struct{ param, field string }{
	{"type", "type"}, {"camera", "camera"}, {"creator", "creator"}, {"collection", "collection"},
	{"city", "city"}, {"year", "year"},
}

// The filters on what collections know and assets do not: the coverage's
// workflow state and its agency. The query syntax cannot say them, so they
// become the set of collections that match (search.Request.Collections).
const (
	paramStatus = "status"
	paramAgency = "agency"
)

// collectionScope is the ids of the collections whose state is status and
// whose agency is agency (case and outer spaces aside), either left out
// when "". It is nil when neither is set, so the search is not limited;
// empty, not nil, when nothing matches, so the search finds nothing.
func collectionScope(cols []*collections.Collection, status, agency string) []string {
	status, agency = strings.TrimSpace(status), strings.TrimSpace(agency)
	if status == "" && agency == "" {
		return nil
	}
	ids := []string{}
	for _, c := range cols {
		if (status == "" || string(c.State) == status) && (agency == "" || strings.EqualFold(strings.TrimSpace(c.Agency), agency)) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// agencies are the distinct agencies of cols, each in its first spelling,
// in alphabetical order.
func agencies(cols []*collections.Collection) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cols {
		a := strings.TrimSpace(c.Agency)
		if a != "" && !seen[strings.ToLower(a)] {
			seen[strings.ToLower(a)] = true
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// pageSize of the search grid: a screenful on a wide screen, light enough
// to render fast on a phone.
const pageSize = 100

type filterState struct {
	Param, Value string
	// ValueLabel is how the chosen value is shown.
	ValueLabel string
	Options    []filterOption
}

// filterOption is one choice of a filter: a facet term with its count, or
// (for status and agency, which the index does not count) a value alone.
type filterOption struct {
	Value, Label string
	Count        int
	Counted      bool
}

// facetOptions are the choices of a facet, labelled by label (nil keeps
// the index's label).
func facetOptions(fcs []search.FacetCount, label func(search.FacetCount) string) []filterOption {
	out := make([]filterOption, 0, len(fcs))
	for _, fc := range fcs {
		l := fc.Label
		if label != nil {
			l = label(fc)
		}
		out = append(out, filterOption{Value: fc.Term, Label: l, Count: fc.Count, Counted: true})
	}
	return out
}

// withValue labels f's chosen value, in the spelling of the choice it
// matches whatever its case (filters are case-blind), adding it as a
// choice if none does, so the form always shows what is applied.
func (f *filterState) withValue(v string, label func(string) string) {
	f.Value = v
	if v == "" {
		return
	}
	for _, o := range f.Options {
		if strings.EqualFold(o.Value, v) {
			f.Value, f.ValueLabel = o.Value, o.Label
			return
		}
	}
	f.ValueLabel = label(v)
	f.Options = append(f.Options, filterOption{Value: v, Label: f.ValueLabel})
}

type tile struct {
	search.Hit
	Alt           string
	Width, Height int
	Pos           int // 1-based position in the whole result, for next/previous
}

type searchData struct {
	Q, From, To, Sort string
	Sorts             []string // the orders offered, the default first
	// Full is the query run: Q plus the filters.
	Full    string
	Filters []filterState
	Result  *search.Result
	Tiles   []tile
	Page    int
	Pages   int
	Error   string
	// Collections the selection may be added to.
	Collections []*collections.Collection
	Took        time.Duration
	params      url.Values
}

// PageURL is this search at page n.
func (d searchData) PageURL(n int) string {
	q := cloneValues(d.params)
	q.Set("page", strconv.Itoa(n))
	return "/cari?" + q.Encode()
}

// Without is this search without filter param, from its first page.
func (d searchData) Without(param string) string {
	q := cloneValues(d.params)
	q.Del(param)
	q.Del("page")
	return "/cari?" + q.Encode()
}

// AssetURL opens hit number pos of this search, keeping the search so
// the asset page can move to its neighbours.
func (d searchData) AssetURL(id string, pos int) string {
	v := url.Values{"q": {d.Full}, "sort": {d.Sort}, "pos": {strconv.Itoa(pos)}}
	for _, p := range []string{paramStatus, paramAgency} {
		if x := d.params.Get(p); x != "" {
			v.Set(p, x)
		}
	}
	return "/aset/" + id + "?" + v.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if len(vs) > 0 && vs[0] != "" {
			out[k] = []string{vs[0]}
		}
	}
	return out
}

// fullQuery is q with a clause for every filter that is set.
func fullQuery(q string, get func(string) string) string {
	parts := []string{}
	if q = strings.TrimSpace(q); q != "" {
		parts = append(parts, q)
	}
	for _, f := range searchFilters {
		if v := strings.TrimSpace(strings.ReplaceAll(get(f.param), `"`, "")); v != "" {
			parts = append(parts, f.field+`:"`+v+`"`)
		}
	}
	from, to := dateOnly(get("from")), dateOnly(get("to"))
	switch {
	case from != "" && to != "":
		parts = append(parts, "taken:"+from+".."+to)
	case from != "":
		parts = append(parts, "taken:>="+from)
	case to != "":
		parts = append(parts, "taken:<="+to)
	}
	return strings.Join(parts, " ")
}

// dateOnly keeps a YYYY-MM-DD date from a date input, "" otherwise.
func dateOnly(s string) string {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return ""
	}
	return s
}

func (s *site) searchPage(c *gin.Context, v *view) error {
	start := time.Now()
	d := searchData{Q: c.Query("q"), From: dateOnly(c.Query("from")), To: dateOnly(c.Query("to")), Sort: c.Query("sort")}
	if !slices.Contains(search.SortOrders(), d.Sort) {
		d.Sort = ""
	}
	d.Sorts = search.SortOrders()

	d.params = c.Request.URL.Query()
	d.Page, _ = strconv.Atoi(c.Query("page"))
	d.Page = max(d.Page, 1)
	d.Full = fullQuery(d.Q, c.Query)
	ctx := c.Request.Context()
	cols, err := s.Collections.List(ctx)
	if err != nil {
		return err
	}
	scope := collectionScope(cols, c.Query(paramStatus), c.Query(paramAgency))
	res, err := s.Index.Search(ctx, search.Request{Query: d.Full, Facets: true, Sort: d.Sort, Page: d.Page, Size: pageSize, Collections: scope})
	switch {
	case errors.Is(err, search.ErrQuery):
		// The editor typed something the syntax does not know: say what,
		// keep the page.
		d.Error = strings.TrimPrefix(err.Error(), "search: ")
		res = &search.Result{}
	case err != nil:
		return err
	}
	d.Result = res
	d.Pages = int((res.Total + pageSize - 1) / pageSize)
	d.Filters = s.filters(v.Lang, cols, res, c.Query)
	recs := s.records(ctx, res.Hits)
	for i, h := range res.Hits {
		t := tile{Hit: h, Alt: h.FileName, Width: 320, Height: 240, Pos: (d.Page-1)*pageSize + i + 1}
		if a := recs[i]; a != nil {
			if m := a.Effective(); strings.TrimSpace(m.Caption) != "" {
				t.Alt = m.Caption
			}
			if r, ok := a.Renditions[assets.Thumbnail]; ok && r.Width > 0 && r.Height > 0 {
				t.Width, t.Height = r.Width, r.Height
			}
		}
		d.Tiles = append(d.Tiles, t)
	}
	if v.May(auth.ActionCollectionEdit) {
		for _, col := range cols {
			if col.State != collections.Archived && col.State != collections.Cancelled {
				d.Collections = append(d.Collections, col)
			}
		}
		slices.SortFunc(d.Collections, func(a, b *collections.Collection) int { return b.CreatedAt.Compare(a.CreatedAt) })
	}
	d.Took = time.Since(start)
	v.Title, v.Nav, v.Data = s.cat.text(v.Lang, "nav.search"), "search", d
	s.render(c, http.StatusOK, "search", v)
	return nil
}

// filters are the search page's filters with their choices and labels:
// the facets of res, named as people write them (a coverage by its title,
// a type in the page's language), and the status and agency of coverage.
func (s *site) filters(lang string, cols []*collections.Collection, res *search.Result, get func(string) string) []filterState {
	titles := map[string]string{}
	for _, c := range cols {
		titles[c.ID] = c.Title
	}
	title := func(id string) string {
		if t, ok := titles[id]; ok && strings.TrimSpace(t) != "" {
			return t
		}
		return id
	}
	kind := func(k string) string { return s.cat.text(lang, "kind."+k) }
	same := func(v string) string { return v }
	facet := func(param string) filterState {
		f := filterState{Param: param}
		var label func(search.FacetCount) string
		switch param {
		case "type":
			label = func(fc search.FacetCount) string { return kind(fc.Term) }
		case "collection":
			label = func(fc search.FacetCount) string { return title(fc.Term) }
		}
		f.Options = facetOptions(res.Facets[param], label)
		switch param {
		case "type":
			f.withValue(get(param), kind)
		case "collection":
			f.withValue(get(param), title)
		default:
			f.withValue(get(param), same)
		}
		return f
	}
	var out []filterState
	for _, sf := range searchFilters {
		out = append(out, facet(sf.param))
		if sf.param != "collection" {
			continue
		}
		// Agency and status sit beside the coverage they belong to.
		ag := filterState{Param: paramAgency}
		for _, a := range agencies(cols) {
			ag.Options = append(ag.Options, filterOption{Value: a, Label: a})
		}
		ag.withValue(strings.TrimSpace(get(paramAgency)), same)
		st := filterState{Param: paramStatus}
		for _, state := range collections.States() {
			if slices.ContainsFunc(cols, func(c *collections.Collection) bool { return c.State == state }) {
				st.Options = append(st.Options, filterOption{Value: string(state), Label: s.cat.text(lang, "state."+string(state))})
			}
		}
		st.withValue(strings.TrimSpace(get(paramStatus)), func(v string) string {
			if l := s.cat.text(lang, "state."+v); !strings.HasPrefix(l, missingMark) {
				return l
			}
			return v
		})
		out = append(out, ag, st)
	}
	return out
}

// records reads the asset records of hits, a few at a time: the index
// keeps what a list needs to find, the record what a grid needs to show
// (caption for alt text, thumbnail size). A record that cannot be read
// leaves its tile with the file name.
func (s *site) records(ctx context.Context, hits []search.Hit) []*assets.Asset {
	out := make([]*assets.Asset, len(hits))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, h := range hits {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, _, err := assets.ReadRecord(ctx, s.Store, h.ID)
			if err != nil {
				s.log.WarnContext(ctx, "asset record for the grid", "id", h.ID, "err", err)
				return
			}
			out[i] = a
		})
	}
	wg.Wait()
	return out
}
