package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/search"
)

// langCookie keeps the language chosen before logging in; afterwards the
// user's own setting decides.
const langCookie = "mediabank_lang"

// localPath accepts only a path on this site as a place to go after login,
// so a crafted link cannot send someone elsewhere. It judges the value as
// a browser will read it: browsers drop tabs and newlines from a URL and
// read '\' as '/', so "/\t/evil" and "/\\evil" are "//evil", another
// site. Any control or separator character refuses the value outright;
// the login page and app.js's data-next only ever see what this returns.
func localPath(p string) string {
	const home = "/beranda"
	if strings.IndexFunc(p, func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
	}) >= 0 {
		return home
	}
	asRead := strings.ReplaceAll(p, `\`, "/")
	if !strings.HasPrefix(asRead, "/") || strings.HasPrefix(asRead, "//") {
		return home
	}
	return p
}

func (s *site) loginPage(c *gin.Context) {
	next := localPath(c.Query("next"))
	if _, _, err := s.Auth.Authenticate(c.Request); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	lang := auth.LangIndonesian
	if ck, err := c.Cookie(langCookie); err == nil {
		lang = langOf(ck)
	}
	if l := c.Query("lang"); l != "" {
		lang = langOf(l)
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	v := &view{Lang: lang, Version: s.version, Path: "/masuk", policy: s.Policy, Messages: s.cat.scripts(lang)}
	v.Title = s.cat.text(lang, "login.title")
	v.Data = struct{ Next string }{next}
	s.render(c, http.StatusOK, "login", v)
}

// actor is the user as the workflow sees them.
func actor(u *auth.User) collections.Actor { return collections.Actor{User: u.Name, Role: u.Role} }

// Standard-time states of a step, as the dashboard colours them.
const (
	slaWaiting = "waiting" // outside the SOP's timed steps
	slaOnTime  = "ontime"
	slaDueSoon = "duesoon" // three quarters of the standard used
	slaOverdue = "overdue"
)

// slaState says how the open step of c does against its standard at now.
func slaState(c *collections.Collection, now time.Time, std collections.Standards) (state string, since time.Time, limit time.Duration) {
	n := len(c.History)
	if n == 0 || c.History[n-1].End != nil || c.History[n-1].Step == 0 {
		return slaWaiting, time.Time{}, 0
	}
	st := c.History[n-1]
	limit = std.Of(st.Span)
	ran := now.Sub(st.Start)
	switch {
	case ran > limit:
		return slaOverdue, st.Start, limit
	case ran*4 >= limit*3:
		return slaDueSoon, st.Start, limit
	}
	return slaOnTime, st.Start, limit
}

type assignmentRow struct {
	collections.Assignment
	SLA   string
	Since time.Time
	Due   time.Time
}

type jobRow struct {
	ingest.Job
	Percent int
}

func jobRowOf(j ingest.Job) jobRow {
	p := 0
	if j.BytesTotal > 0 {
		p = int(100 * j.BytesDone / j.BytesTotal)
	}
	if j.State != "running" {
		p = 100
	}
	return jobRow{Job: j, Percent: p}
}

func (s *site) dashboard(c *gin.Context, v *view) error {
	ctx := c.Request.Context()
	cols, err := s.Collections.List(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	std := s.Collections.Standards()
	byID := map[string]*collections.Collection{}
	for _, col := range cols {
		byID[col.ID] = col
	}
	var mine []assignmentRow
	for _, a := range collections.Assignments(cols, actor(v.User), now, std) {
		r := assignmentRow{Assignment: a}
		var limit time.Duration
		r.SLA, r.Since, limit = slaState(byID[a.Collection], now, std)
		if !r.Since.IsZero() {
			r.Due = r.Since.Add(limit)
		}
		mine = append(mine, r)
	}
	// Who must act now first, then the rest, each by urgency.
	rank := map[string]int{slaOverdue: 0, slaDueSoon: 1, slaOnTime: 2, slaWaiting: 3}
	slices.SortStableFunc(mine, func(a, b assignmentRow) int {
		if a.ActsNext != b.ActsNext {
			if a.ActsNext {
				return -1
			}
			return 1
		}
		return cmp.Compare(rank[a.SLA], rank[b.SLA])
	})
	var jobs []jobRow
	for _, j := range s.Jobs.List() {
		if len(jobs) < 10 {
			jobs = append(jobs, jobRowOf(j))
		}
	}
	latest := slices.Clone(cols)
	slices.SortFunc(latest, func(a, b *collections.Collection) int { return b.CreatedAt.Compare(a.CreatedAt) })
	latest = latest[:min(len(latest), 8)]
	v.Title, v.Nav = s.cat.text(v.Lang, "nav.dashboard"), "dashboard"
	v.Data = struct {
		Assignments []assignmentRow
		Jobs        []jobRow
		Latest      []*collections.Collection
		Now         time.Time
	}{mine, jobs, latest, now}
	s.render(c, http.StatusOK, "dashboard", v)
	return nil
}

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
	if !slices.Contains([]string{"", "taken", "-taken", "name", "relevance"}, d.Sort) {
		d.Sort = ""
	}

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

// editedField is one editable value with who last changed it.
type editedField struct {
	Name  string
	Value string
	By    string
	At    time.Time
	List  bool
}

type assetData struct {
	Asset       *assets.Asset
	Meta        assets.Metadata
	Fields      []editedField
	Collections []*collections.Collection
	Camera      string
	Exposure    string
	Q           string
	Prev, Next  string // URLs
	Pos         int
	// PW and PH are the preview's size, upright, for the img box.
	PW, PH int
}

// editFields are the editable fields (assets.EditableFields) the asset
// page shows, in its order.
var editFields = []string{"caption", "headline", "keywords", "people", "place", "city", "creator", "credit", "copyright"}

func (s *site) assetPage(c *gin.Context, v *view) error {
	id := c.Param("id")
	if err := assets.ValidID(id); err != nil {
		return fmt.Errorf("asset %q: %w", id, errNotFound)
	}
	ctx := c.Request.Context()
	a, _, err := assets.ReadRecord(ctx, s.Store, id)
	if err != nil {
		return fmt.Errorf("asset page: %w", err)
	}
	m := a.Effective()
	d := assetData{Asset: a, Meta: m, Camera: strings.TrimSpace(m.Make + " " + m.Model), Q: c.Query("q")}
	d.PW, d.PH = 1600, 1200
	if r, ok := a.Renditions[assets.Preview]; ok && r.Width > 0 && r.Height > 0 {
		d.PW, d.PH = r.Width, r.Height
	}
	if strings.HasPrefix(strings.ToLower(m.Model), strings.ToLower(m.Make)) {
		d.Camera = m.Model
	}
	if m.ExposureTime > 0 {
		if m.ExposureTime < 1 {
			d.Exposure = "1/" + strconv.Itoa(int(1/m.ExposureTime+0.5)) + " s"
		} else {
			d.Exposure = strconv.FormatFloat(m.ExposureTime, 'f', -1, 64) + " s"
		}
	}
	for _, f := range editFields {
		ef := editedField{Name: f, Value: m.FieldText(f), List: assets.IsListField(f)}
		if e, ok := a.Edits[f]; ok {
			ef.By, ef.At = e.By, e.At
		}
		d.Fields = append(d.Fields, ef)
	}
	cols, err := s.Collections.List(ctx)
	if err != nil {
		return err
	}
	for _, col := range cols {
		if col.ID == a.Collection || slices.Contains(col.Material, a.ID) {
			d.Collections = append(d.Collections, col)
		}
	}
	// Next and previous follow the search the editor came from.
	if pos, err := strconv.Atoi(c.Query("pos")); err == nil && pos >= 1 {
		d.Pos = pos
		q := c.Query("q")
		// The status and agency filters of the search came along too.
		scope := collectionScope(cols, c.Query(paramStatus), c.Query(paramAgency))
		neighbour := func(p int) string {
			if p < 1 {
				return ""
			}
			res, err := s.Index.Search(ctx, search.Request{Query: q, Sort: c.Query("sort"), Page: p, Size: 1, Collections: scope})
			if err != nil || len(res.Hits) == 0 {
				return ""
			}
			nv := url.Values{"q": {q}, "sort": {c.Query("sort")}, "pos": {strconv.Itoa(p)}}
			for _, k := range []string{paramStatus, paramAgency} {
				if x := c.Query(k); x != "" {
					nv.Set(k, x)
				}
			}
			return "/aset/" + res.Hits[0].ID + "?" + nv.Encode()
		}
		d.Prev, d.Next = neighbour(pos-1), neighbour(pos+1)
	}
	v.Title, v.Nav, v.Data = a.FileName, "search", d
	s.render(c, http.StatusOK, "asset", v)
	return nil
}
