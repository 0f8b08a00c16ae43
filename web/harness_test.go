package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/apptest"
	"mediabank/search"
)

// harness is the whole server as `mediabank serve` wires it (API and
// pages on one gin engine) over a disk store and a Bleve index in a
// temporary folder, behind a real HTTP listener.
type harness struct {
	url   string
	store assets.Store
	index *search.Index
	in    *ingest.Ingester
	users *auth.Users
	cols  *collections.Service
	jobs  *ingest.Jobs
}

const testPassword = "kata-sandi-uji-123"

// testUsers are one account per role, named as the office would.
var testUsers = []struct{ name, role, display string }{
	{"admin", auth.RoleAdmin, "Admin Bank"},
	{"kabid", auth.RoleHead, "Kabid DIKP"},
	{"subkor", auth.RoleCoordinator, "Sub Kor DIME"},
	{"redaktur", auth.RoleEditor, "Tenaga Ahli"},
	{"fotografer", auth.RoleStaff, "Budi Fotografer"},
	{"tamu", auth.RoleViewer, ""},
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness whose pages ask a collections service that
// follows workflow instead of the default policy table (nil: the default).
func newHarnessWith(t testing.TB, workflow collections.Policy) *harness {
	t.Helper()
	ctx := context.Background()
	store, err := diskstore.Open(ctx, filepath.Join(t.TempDir(), "bank"))
	if err != nil {
		t.Fatal(err)
	}
	st := apptest.New(t, store, nil)
	log := slog.New(slog.DiscardHandler)
	cols := st.Collections
	if workflow != nil {
		if cols, err = collections.New(collections.Config{Store: store, Policy: workflow, Logger: log, Zone: st.Zone}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Register(st.Server.Engine(), Deps{Auth: st.Server, Policy: st.Policy, Index: st.Index, Store: store,
		Collections: cols, Jobs: st.Jobs, Users: st.Users, Shares: st.Shares, Channels: channels.DefaultPresets(), Zone: st.Zone, Logger: log}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(st.Server)
	t.Cleanup(ts.Close)
	users := st.Users
	for _, u := range testUsers {
		if _, err := users.Add(ctx, u.name, u.role, testPassword); err != nil {
			t.Fatal(err)
		}
		if u.display != "" {
			cur, err := users.Get(ctx, u.name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := users.SetDisplayName(ctx, u.name, u.display, cur.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &harness{url: ts.URL, store: store, index: st.Index, in: st.Ingester, users: users, cols: cols, jobs: st.Jobs}
}

// ingest puts real camera files into the bank, renditions included.
func (h *harness) ingest(t testing.TB, roots ...string) *ingest.Report {
	t.Helper()
	rep, err := h.in.Run(context.Background(), roots, ingest.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ingested == 0 {
		t.Fatalf("ingest %v: nothing ingested: %+v", roots, rep)
	}
	return rep
}

// client is a browser without a browser: a cookie jar and the CSRF token.
type client struct {
	t    testing.TB
	h    *harness
	http *http.Client
	csrf string
}

// login logs name in through the API, as the login page does.
func (h *harness) login(t testing.TB, name string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	status, _ := c.do("POST", "/api/v1/session", map[string]string{"name": name, "password": testPassword}, &me, nil)
	if status != http.StatusOK || me.CSRF == "" {
		t.Fatalf("login %s: status %d", name, status)
	}
	c.csrf = me.CSRF
	return c
}

// do sends a request; body is JSON-encoded, out decoded from JSON.
func (c *client) do(method, path string, body, out any, header map[string]string) (int, http.Header) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.h.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if sp, ok := out.(*string); ok {
			*sp = string(data)
		} else if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %d: decode %q: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode, res.Header
}

// page fetches a page and returns its status and HTML.
func (c *client) page(path string) (int, string) {
	c.t.Helper()
	var html string
	status, _ := c.do("GET", path, nil, &html, nil)
	return status, html
}

// act takes a workflow action on collection id as c's user.
func (c *client) act(id string, action map[string]any) {
	c.t.Helper()
	_, hdr := c.do("GET", "/api/v1/collections/"+id, nil, nil, nil)
	var out map[string]any
	status, _ := c.do("POST", "/api/v1/collections/"+id+"/actions", action, &out, map[string]string{"If-Match": hdr.Get("ETag")})
	if status != http.StatusOK {
		c.t.Fatalf("%v on %s: %d %v", action, id, status, out)
	}
}

// patch changes collection id as c's user.
func (c *client) patch(id string, p map[string]any) {
	c.t.Helper()
	_, hdr := c.do("GET", "/api/v1/collections/"+id, nil, nil, nil)
	var out map[string]any
	status, _ := c.do("PATCH", "/api/v1/collections/"+id, p, &out, map[string]string{"If-Match": hdr.Get("ETag")})
	if status != http.StatusOK {
		c.t.Fatalf("patch %v on %s: %d %v", p, id, status, out)
	}
}

// create makes a collection as c's user and returns its id.
func (c *client) create(title string) string {
	c.t.Helper()
	var col struct{ ID string }
	status, _ := c.do("POST", "/api/v1/collections", map[string]string{"title": title, "agency": "Dinas Kesehatan", "place": "Puspemkot Tangerang", "starts_at": "2026-08-17T09:15"}, &col, nil)
	if status != http.StatusCreated {
		c.t.Fatalf("create %q: %d", title, status)
	}
	return col.ID
}

// toReview runs collection id from created to in_review with the office's
// roles: kabid orders and assigns, subkor proposes, the photographer
// covers, the editor writes the narrative.
func (h *harness) toReview(t testing.TB, id string) {
	t.Helper()
	kabid, subkor, foto, red := h.login(t, "kabid"), h.login(t, "subkor"), h.login(t, "fotografer"), h.login(t, "redaktur")
	kabid.act(id, map[string]any{"action": "order", "note": "Liput upacara HUT RI"})
	subkor.act(id, map[string]any{"action": "propose_staff", "staff": []map[string]string{{"user": "fotografer", "task": "photo"}, {"user": "redaktur", "task": "writing"}}})
	kabid.act(id, map[string]any{"action": "assign"})
	var items []map[string]any
	for _, it := range collections.DefaultChecklist() {
		items = append(items, map[string]any{"item": it.Item, "done": true})
	}
	foto.patch(id, map[string]any{"checklist": items})
	for _, a := range []string{"equipment_ready", "start_coverage", "material_gathered", "start_drafting"} {
		foto.act(id, map[string]any{"action": a})
	}
	red.patch(id, map[string]any{"narrative": "Kota Tangerang memperingati HUT RI.\nUpacara berlangsung khidmat."})
	red.act(id, map[string]any{"action": "submit_draft"})
	red.act(id, map[string]any{"action": "submit_review"})
}

// offers checks that a page holds each of has and none of lacks.
func offers(t testing.TB, html string, has, lacks []string) {
	t.Helper()
	for _, s := range has {
		contains(t, html, s)
	}
	for _, s := range lacks {
		if strings.Contains(html, s) {
			t.Errorf("page offers %q", s)
		}
	}
}

func contains(t testing.TB, html, what string) {
	t.Helper()
	if !strings.Contains(html, what) {
		t.Errorf("page lacks %q", what)
	}
}

// TestMain runs the tests with gin in release mode, as cmd/mediabank's main
// sets it (debug mode only adds route listings to standard output).
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}
