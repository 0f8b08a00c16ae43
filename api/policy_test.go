package api_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
)

// roleOrder is the order the matrix is checked in; each role's account is
// named after it.
func roleOrder() []string {
	return []string{"admin", "head", "coordinator", "editor", "staff", "viewer"}
}

// seeded is what the matrix's sample requests point at.
type seeded struct {
	asset      string // id of one real camera file in the bank
	ingest     string // the ingest job that brought it
	collection string // a coverage assigned to the staff account, with two narrative revisions
	photo      []byte // the camera file's bytes
}

// seed ingests one real camera file through ingest.Jobs and makes one
// collection through the workflow, as the office would.
func seed(t *testing.T, h *harness) seeded {
	t.Helper()
	ctx := t.Context()
	photo := readFile(t, filepath.Join(testfiles.Dir(t), "photos/jpg/Fujifilm_FinePix_E500.jpg"))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "DSCF0001.JPG"), photo, 0o644); err != nil {
		t.Fatal(err)
	}
	job := h.jobs.Start(ctx, ingest.JobSpec{Kind: "folder", Roots: []string{dir}})
	eventually(t, 5*time.Minute, func() string {
		j, _ := h.jobs.Get(job.ID)
		if j.State == "running" {
			return "seed ingest still running"
		}
		if j.State != "done" || j.Ingested != 1 {
			t.Fatalf("seed ingest: %+v", j)
		}
		return ""
	})

	head := collections.Actor{User: "head", Role: auth.RoleHead}
	col, tag, err := h.cols.Create(ctx, head, collections.Event{Title: "Rapat koordinasi Posyandu", Agency: "Dinas Kesehatan", Place: "Puspemkot Tangerang",
		StartsAt: time.Date(2026, 8, 17, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600))})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		who collections.Actor
		a   collections.Action
	}{
		{head, collections.Action{Action: "order", Note: "Liput rapat"}},
		{collections.Actor{User: "coordinator", Role: auth.RoleCoordinator}, collections.Action{Action: "propose_staff", Staff: []collections.Assignee{{User: "staff", Task: "photo"}}}},
		{head, collections.Action{Action: "assign"}},
	}
	for _, s := range steps {
		if col, tag, err = h.cols.Act(ctx, s.who, col.ID, tag, s.a); err != nil {
			t.Fatal(err)
		}
	}
	editor := collections.Actor{User: "editor", Role: auth.RoleEditor}
	for _, text := range []string{"Paragraf pertama.\n", "Paragraf pertama.\nParagraf kedua.\n"} {
		if col, tag, err = h.cols.Patch(ctx, editor, col.ID, tag, collections.Patch{Narrative: &text}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.cols.AddMaterial(ctx, col.ID, assets.Sum(photo)); err != nil {
		t.Fatal(err)
	}
	return seeded{asset: assets.Sum(photo), ingest: job.ID, collection: col.ID, photo: photo}
}

// nameOf names a caller in sample bodies; nil is nobody.
func nameOf(c *caller) string {
	if c == nil {
		return "anonim"
	}
	return c.name
}

// matrixCase is one route of the table with a sample request, and the
// roles the policy table lets through. allowed is "public" (anyone, even
// without logging in), "any" (any logged-in user) or a list of roles;
// listed roles get ok, the others 403, anonymous callers 401. override
// sets the status of single roles where the sample goes past the route's
// guard to a rule of its own.
type matrixCase struct {
	route    string // "METHOD /path/:param" as in the route table
	allowed  string
	ok       int
	override map[string]int
	sample   func(t *testing.T, who *caller) req
}

// TestPolicyMatrix sends a sample request to every route of the API as
// nobody and as each role, and checks each answer against the policy
// table of docs/policy.md, written out here cell by cell.
func TestPolicyMatrix(t *testing.T) {
	h := newHarness(t, tempstore.New(t))
	for _, r := range roleOrder() {
		h.addUser(t, r, r)
	}
	h.addUser(t, "target", "viewer")
	s := seed(t, h)
	callers := map[string]*caller{}
	for _, r := range roleOrder() {
		callers[r] = h.login(t, r, r)
	}
	admin := callers["admin"]
	fixed := func(method, path string, body []byte) func(*testing.T, *caller) req {
		return func(*testing.T, *caller) req { return req{method: method, path: path, body: body} }
	}
	// currentETag reads the seeded collection's ETag just before a change,
	// so each role's request is judged on its role alone.
	currentETag := func(t *testing.T) string {
		r := h.send(t, admin, req{method: "GET", path: "/api/v1/collections/" + s.collection})
		if r.status != http.StatusOK {
			t.Fatalf("GET collection: %v", r)
		}
		return etag(t, r)
	}
	upload, uploadCT := multipartBody(t, "", part{"DSCF0001.JPG", s.photo})
	col := "/api/v1/collections/" + s.collection
	asset := "/api/v1/assets/" + s.asset

	cases := []matrixCase{
		{route: "GET /healthz", allowed: "public", ok: 200, sample: fixed("GET", "/healthz", nil)},
		{route: "GET /readyz", allowed: "public", ok: 200, sample: fixed("GET", "/readyz", nil)},
		{route: "GET /api/v1/openapi.json", allowed: "public", ok: 200, sample: fixed("GET", "/api/v1/openapi.json", nil)},
		// Without a name and password: refused before the throttle counts it.
		{route: "POST /api/v1/session", allowed: "public", ok: 400, sample: fixed("POST", "/api/v1/session", []byte(`{}`))},
		{route: "GET /api/v1/me", allowed: "any", ok: 200, sample: fixed("GET", "/api/v1/me", nil)},
		{route: "PATCH /api/v1/me", allowed: "any", ok: 200, sample: fixed("PATCH", "/api/v1/me", []byte(`{"language":"en"}`))},
		{route: "GET /api/v1/me/assignments", allowed: "any", ok: 200, sample: fixed("GET", "/api/v1/me/assignments", nil)},

		{route: "GET /api/v1/assets", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", "/api/v1/assets?q=fujifilm", nil)},
		{route: "GET /api/v1/assets/:id", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", asset, nil)},
		{route: "PATCH /api/v1/assets/:id", allowed: "admin head editor staff", ok: 200, sample: func(t *testing.T, who *caller) req {
			return req{method: "PATCH", path: asset, body: jsonBody(t, map[string]string{"caption": "Keterangan oleh " + nameOf(who)})}
		}},
		{route: "PUT /api/v1/assets/:id/crops/:aspect", allowed: "admin head editor staff", ok: 200, sample: fixed("PUT", asset+"/crops/4:5", []byte(`{"x":0,"y":0,"w":0.5,"h":0.5}`))},
		{route: "DELETE /api/v1/assets/:id/crops/:aspect", allowed: "admin head editor staff", ok: 200, sample: fixed("DELETE", asset+"/crops/4:5", nil)},
		{route: "PUT /api/v1/assets/:id/focus", allowed: "admin head editor staff", ok: 200, sample: fixed("PUT", asset+"/focus", []byte(`{"x":0.3,"y":0.4}`))},
		{route: "DELETE /api/v1/assets/:id/focus", allowed: "admin head editor staff", ok: 200, sample: fixed("DELETE", asset+"/focus", nil)},
		{route: "GET /api/v1/assets/:id/thumbnail", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", asset+"/thumbnail", nil)},
		{route: "GET /api/v1/assets/:id/preview", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", asset+"/preview", nil)},
		{route: "GET /api/v1/assets/:id/original", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", asset+"/original", nil)},
		{route: "GET /api/v1/assets/:id/channels/:channel", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", asset+"/channels/web", nil)},
		{route: "POST /api/v1/assets/zip", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("POST", "/api/v1/assets/zip", []byte(`{"ids":["`+s.asset+`"]}`))},

		{route: "POST /api/v1/uploads", allowed: "admin head editor staff", ok: 202, sample: func(*testing.T, *caller) req {
			return req{method: "POST", path: "/api/v1/uploads", body: upload, ctype: uploadCT}
		}},
		{route: "GET /api/v1/ingests", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", "/api/v1/ingests", nil)},
		{route: "GET /api/v1/ingests/events", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: func(*testing.T, *caller) req {
			return req{method: "GET", path: "/api/v1/ingests/events", stream: true}
		}},
		{route: "GET /api/v1/ingests/:id", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", "/api/v1/ingests/"+s.ingest, nil)},

		{route: "POST /api/v1/collections", allowed: "admin head coordinator", ok: 201, sample: fixed("POST", "/api/v1/collections",
			[]byte(`{"title":"Senam sehat HUT RI","agency":"Dispora","place":"Lapangan Ahmad Yani","starts_at":"2026-08-18T06:30"}`))},
		{route: "GET /api/v1/collections", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", "/api/v1/collections", nil)},
		{route: "GET /api/v1/collections/:id", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", col, nil)},
		// The staff account is assigned to the collection, so the
		// workflow's own staff rule lets it edit too.
		{route: "PATCH /api/v1/collections/:id", allowed: "admin head coordinator editor staff", ok: 200, sample: func(t *testing.T, who *caller) req {
			tag := currentETag(t)
			return req{method: "PATCH", path: col, body: jsonBody(t, map[string]string{"description": "Diperbarui oleh " + nameOf(who)}), header: map[string]string{"If-Match": tag}}
		}},
		// The route admits every reader; without If-Match the workflow
		// refuses before it looks at the action.
		{route: "POST /api/v1/collections/:id/actions", allowed: "admin head coordinator editor staff viewer", ok: 428, sample: fixed("POST", col+"/actions", []byte(`{"action":"order"}`))},
		// With a current ETag the action's own row decides: only admin and
		// head may order, and the assigned collection is past ordering.
		{route: "POST /api/v1/collections/:id/actions", allowed: "admin head coordinator editor staff viewer", ok: 422,
			override: map[string]int{"coordinator": 403, "editor": 403, "staff": 403, "viewer": 403},
			sample: func(t *testing.T, who *caller) req {
				return req{method: "POST", path: col + "/actions", body: []byte(`{"action":"order"}`), header: map[string]string{"If-Match": currentETag(t)}}
			}},
		{route: "GET /api/v1/collections/:id/history", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", col+"/history", nil)},
		{route: "GET /api/v1/collections/:id/diff", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", col+"/diff?from=1&to=2", nil)},
		// The seeded coverage is not approved: the roles that may export or
		// share get the workflow's 422, the others the table's 403.
		{route: "POST /api/v1/collections/:id/exports", allowed: "admin head coordinator editor staff", ok: 422, sample: fixed("POST", col+"/exports", []byte(`{"channel":"web"}`))},
		{route: "GET /api/v1/collections/:id/shares", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", col+"/shares", nil)},
		{route: "GET /api/v1/channels", allowed: "admin head coordinator editor staff viewer", ok: 200, sample: fixed("GET", "/api/v1/channels", nil)},
		{route: "POST /api/v1/shares", allowed: "admin head coordinator editor staff", ok: 422, sample: func(*testing.T, *caller) req {
			return req{method: "POST", path: "/api/v1/shares", body: []byte(`{"collection":"` + s.collection + `","channel":"web","expires_at":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `"}`)}
		}},
		{route: "DELETE /api/v1/shares/:id", allowed: "admin head coordinator editor staff", ok: 404, sample: fixed("DELETE", "/api/v1/shares/"+strings.Repeat("0", 64), nil)},
		// Share links open without login; a token never given is a 404.
		{route: "GET /api/v1/shared/:token/assets/:id/thumbnail", allowed: "public", ok: 404, sample: fixed("GET", "/api/v1/shared/"+strings.Repeat("A", 22)+"/assets/"+s.asset+"/thumbnail", nil)},
		{route: "GET /api/v1/shared/:token/assets/:id", allowed: "public", ok: 404, sample: fixed("GET", "/api/v1/shared/"+strings.Repeat("A", 22)+"/assets/"+s.asset, nil)},
		{route: "GET /api/v1/shared/:token/zip", allowed: "public", ok: 404, sample: fixed("GET", "/api/v1/shared/"+strings.Repeat("A", 22)+"/zip", nil)},
		{route: "GET /api/v1/reports/sla", allowed: "admin head coordinator", ok: 200, sample: fixed("GET", "/api/v1/reports/sla", nil)},

		{route: "GET /api/v1/users", allowed: "admin", ok: 200, sample: fixed("GET", "/api/v1/users", nil)},
		{route: "POST /api/v1/users", allowed: "admin", ok: 201, sample: fixed("POST", "/api/v1/users",
			[]byte(`{"name":"baru","role":"viewer","password":"kata-sandi-baru-1"}`))},
		{route: "PATCH /api/v1/users/:name", allowed: "admin", ok: 200, sample: fixed("PATCH", "/api/v1/users/target", []byte(`{"display_name":"Target Uji"}`))},
		{route: "GET /api/v1/audit", allowed: "admin head", ok: 200, sample: fixed("GET", "/api/v1/audit", nil)},

		// Last: it ends each role's session.
		{route: "DELETE /api/v1/session", allowed: "any", ok: 204, sample: fixed("DELETE", "/api/v1/session", nil)},
	}

	// Every route gin serves has a case, and every case a route.
	served := map[string]bool{}
	for _, r := range h.srv.Engine().Routes() {
		served[r.Method+" "+r.Path] = true
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.route] = true
		if !served[c.route] {
			t.Errorf("case %q: no such route", c.route)
		}
	}
	for r := range served {
		if !covered[r] {
			t.Errorf("route %q has no case in the matrix", r)
		}
	}

	for _, c := range cases {
		want := map[string]int{}
		switch c.allowed {
		case "public":
			want["anonymous"] = c.ok
			for _, r := range roleOrder() {
				want[r] = c.ok
			}
		case "any":
			want["anonymous"] = http.StatusUnauthorized
			for _, r := range roleOrder() {
				want[r] = c.ok
			}
		default:
			want["anonymous"] = http.StatusUnauthorized
			allowed := strings.Fields(c.allowed)
			for _, r := range roleOrder() {
				want[r] = http.StatusForbidden
				if slices.Contains(allowed, r) {
					want[r] = c.ok
				}
			}
		}
		for r, st := range c.override {
			want[r] = st
		}
		for _, who := range append([]string{"anonymous"}, roleOrder()...) {
			cl := callers[who] // nil for anonymous
			r := h.send(t, cl, c.sample(t, cl))
			if r.status != want[who] {
				t.Errorf("%s as %s: got %d, want %d (%s)", c.route, who, r.status, want[who], r)
			}
		}
	}

	// The sessions ended by the last case are gone.
	for _, r := range roleOrder() {
		if got := h.send(t, callers[r], req{method: "GET", path: "/api/v1/me"}); got.status != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/me as %s after logout: %d, want 401", r, got.status)
		}
	}
}

// TestCSRF: a cookie request that changes state needs the session's
// X-CSRF-Token; a bearer token needs none; reading needs none.
func TestCSRF(t *testing.T) {
	h := newDiskHarness(t)
	head := h.newUser(t, "kabid", "head")
	secret, _, err := h.users.CreateToken(t.Context(), "kabid", "skrip laporan")
	if err != nil {
		t.Fatal(err)
	}
	script := &caller{name: "kabid", role: "head", token: secret}
	event := []byte(`{"title":"Pelantikan pejabat","agency":"BKPSDM","starts_at":"2026-09-01T10:00"}`)

	cases := []struct {
		name string
		who  *caller
		r    req
		want int
	}{
		{"cookie PATCH /me without token", head, req{method: "PATCH", path: "/api/v1/me", body: []byte(`{"language":"en"}`), noCSRF: true}, 403},
		{"cookie PATCH /me with a wrong token", head, req{method: "PATCH", path: "/api/v1/me", body: []byte(`{"language":"en"}`), noCSRF: true, header: map[string]string{"X-CSRF-Token": "bukan-token"}}, 403},
		{"cookie POST /collections without token", head, req{method: "POST", path: "/api/v1/collections", body: event, noCSRF: true}, 403},
		{"cookie DELETE /session without token", head, req{method: "DELETE", path: "/api/v1/session", noCSRF: true}, 403},
		{"cookie GET /me without token", head, req{method: "GET", path: "/api/v1/me"}, 200},
		{"bearer PATCH /me without token", script, req{method: "PATCH", path: "/api/v1/me", body: []byte(`{"language":"en"}`)}, 200},
		{"bearer POST /collections without token", script, req{method: "POST", path: "/api/v1/collections", body: event}, 201},
		{"wrong bearer", &caller{token: "mbk_" + strings.Repeat("A", 43)}, req{method: "GET", path: "/api/v1/me"}, 401},
		{"cookie PATCH /me with the token", head, req{method: "PATCH", path: "/api/v1/me", body: []byte(`{"language":"id"}`)}, 200},
	}
	for _, c := range cases {
		if r := h.send(t, c.who, c.r); r.status != c.want {
			t.Errorf("%s: got %d, want %d (%s)", c.name, r.status, c.want, r)
		}
	}
	// The refused requests changed nothing: one collection (the bearer's),
	// and the language is what the last accepted request set.
	var list struct {
		Total int `json:"total"`
	}
	decode(t, h.send(t, head, req{method: "GET", path: "/api/v1/collections"}), &list)
	if list.Total != 1 {
		t.Errorf("collections: %d, want 1 (the refused cookie request must not create one)", list.Total)
	}
	var me struct {
		User auth.User `json:"user"`
	}
	decode(t, h.send(t, script, req{method: "GET", path: "/api/v1/me"}), &me)
	if me.User.Language != "id" {
		t.Errorf("language = %q, want id", me.User.Language)
	}
	// The session survived the refused logout.
	if r := h.send(t, head, req{method: "GET", path: "/api/v1/me"}); r.status != 200 {
		t.Errorf("session after a refused logout: %v", r)
	}
}

// TestLoginThrottle: five wrong passwords lock the account for a while,
// with Retry-After, even against the right password; other accounts
// from the same address still log in.
func TestLoginThrottle(t *testing.T) {
	h := newDiskHarness(t)
	h.addUser(t, "lupa", "staff")
	h.addUser(t, "ingat", "staff")
	login := func(name, password string) reply {
		return h.send(t, nil, req{method: "POST", path: "/api/v1/session", body: jsonBody(t, map[string]string{"name": name, "password": password})})
	}
	for i := 1; i <= 5; i++ {
		if r := login("lupa", fmt.Sprintf("salah-sandi-%d", i)); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %v, want 401", i, r)
		}
	}
	r := login("lupa", testPassword)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt (right password): %v, want 429", r)
	}
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("a throttled login set a cookie: %q", r.header.Get("Set-Cookie"))
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 15*60+1 {
		t.Errorf("Retry-After = %q, want whole seconds from 1 to 901 (the 15-minute window)", r.header.Get("Retry-After"))
	}
	if r := login("ingat", testPassword); r.status != http.StatusOK {
		t.Errorf("another account from the same address: %v, want 200", r)
	}
}

// TestSessionRotation: every login gets a fresh session id, and the id
// the browser had before is worth nothing after it.
func TestSessionRotation(t *testing.T) {
	h := newDiskHarness(t)
	first := h.newUser(t, "dewi", "editor")
	// Log in again from the same browser, which sends its old cookie.
	r := h.send(t, first, req{method: "POST", path: "/api/v1/session", body: jsonBody(t, map[string]string{"name": "dewi", "password": testPassword})})
	if r.status != http.StatusOK {
		t.Fatalf("second login: %v", r)
	}
	var second string
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "mediabank_session" {
			second = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", ck)
			}
		}
	}
	if second == "" || second == first.cookie {
		t.Fatalf("second login: session %q, first %q; want a fresh one", second, first.cookie)
	}
	if r := h.send(t, first, req{method: "GET", path: "/api/v1/me"}); r.status != http.StatusUnauthorized {
		t.Errorf("the session before the second login: %d, want 401", r.status)
	}
	if r := h.send(t, &caller{cookie: second}, req{method: "GET", path: "/api/v1/me"}); r.status != http.StatusOK {
		t.Errorf("the fresh session: %v, want 200", r)
	}
	// A login from another browser is a session of its own.
	other := h.login(t, "dewi", "editor")
	if other.cookie == second || other.csrf == first.csrf {
		t.Errorf("third login reused a session id or CSRF token")
	}
	if r := h.send(t, &caller{cookie: second}, req{method: "GET", path: "/api/v1/me"}); r.status != http.StatusOK {
		t.Errorf("the second browser's session after a third login: %v, want 200", r)
	}
}

// TestLogout: logging out ends the session on the server, not only in the
// browser: the old cookie no longer works.
func TestLogout(t *testing.T) {
	h := newDiskHarness(t)
	c := h.newUser(t, "vina", "viewer")
	r := h.send(t, c, req{method: "DELETE", path: "/api/v1/session"})
	if r.status != http.StatusNoContent {
		t.Fatalf("logout: %v, want 204", r)
	}
	cleared := false
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		cleared = cleared || ck.Name == "mediabank_session" && ck.Value == "" && ck.MaxAge < 0
	}
	if !cleared {
		t.Errorf("logout does not clear the cookie: %q", r.header.Values("Set-Cookie"))
	}
	for _, rq := range []req{{method: "GET", path: "/api/v1/me"}, {method: "PATCH", path: "/api/v1/me", body: []byte(`{"language":"en"}`)}, {method: "DELETE", path: "/api/v1/session"}} {
		if r := h.send(t, c, rq); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s with the old cookie: %d, want 401", rq.method, rq.path, r.status)
		}
	}
}
