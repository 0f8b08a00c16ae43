package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/api"
	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/apptest"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
)

// harness is the whole API as `mediabank serve` wires it, over a real
// store, a real Bleve index and real ingest jobs, behind a real HTTP
// server.
type harness struct {
	srv   *api.Server
	ts    *httptest.Server
	store assets.Store
	users *auth.Users
	jobs  *ingest.Jobs
	cols  *collections.Service
	stack *apptest.Stack
}

// testPassword is every test account's password (at least 10 characters).
const testPassword = "kata-sandi-uji-123"

// newDiskHarness is the harness over a disk store in a temporary folder,
// what most tests need.
func newDiskHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, tempstore.New(t))
}

// newHarness builds the API as serve wires it (internal/apptest) over
// store and serves it.
func newHarness(t *testing.T, store assets.Store) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	st := apptest.New(t, store, log)
	ts := httptest.NewServer(st.Server)
	t.Cleanup(ts.Close)
	return &harness{srv: st.Server, ts: ts, store: store, users: st.Users, jobs: st.Jobs, cols: st.Collections, stack: st}
}

// caller is who sends a request: nobody (nil), a logged-in browser
// (cookie and CSRF token) or a script (bearer token).
type caller struct {
	name, role string
	cookie     string
	csrf       string
	token      string
}

// req is one request to send.
type req struct {
	method, path string
	body         []byte
	ctype        string // application/json when body is set and this is ""
	header       map[string]string
	noCSRF       bool // leave X-CSRF-Token out of a state-changing cookie request
	stream       bool // do not read the body (server-sent events)
}

// reply is what came back.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string {
	b := r.body
	if len(b) > 400 {
		b = b[:400]
	}
	return http.StatusText(r.status) + " " + string(b)
}

// send sends r as c and returns the answer.
func (h *harness) send(t *testing.T, c *caller, r req) reply {
	t.Helper()
	// A safety net, not a measure: under -race on a busy machine a ZIP of
	// channel pictures made from 24 MP originals takes well over 30 s.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, h.ts.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.body != nil {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if c != nil {
		if c.token != "" {
			hr.Header.Set("Authorization", "Bearer "+c.token)
		}
		if c.cookie != "" {
			hr.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.cookie})
			safe := r.method == http.MethodGet || r.method == http.MethodHead
			if !safe && !r.noCSRF {
				hr.Header.Set("X-CSRF-Token", c.csrf)
			}
		}
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := h.ts.Client().Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	out := reply{status: res.StatusCode, header: res.Header}
	if r.stream && res.StatusCode == http.StatusOK {
		return out
	}
	if out.body, err = io.ReadAll(res.Body); err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	return out
}

// jsonBody marshals v for a request.
func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode unmarshals a reply's body into v.
func decode(t *testing.T, r reply, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// addUser creates an account directly in the bank, as `mediabank user add`
// does.
func (h *harness) addUser(t *testing.T, name, role string) {
	t.Helper()
	if _, err := h.users.Add(t.Context(), name, role, testPassword); err != nil {
		t.Fatal(err)
	}
}

// newUser adds an account and logs it in through the API.
func (h *harness) newUser(t *testing.T, name, role string) *caller {
	t.Helper()
	h.addUser(t, name, role)
	return h.login(t, name, role)
}

// login logs name in through the API and returns the browser's cookie and
// CSRF token.
func (h *harness) login(t *testing.T, name, role string) *caller {
	t.Helper()
	r := h.send(t, nil, req{method: "POST", path: "/api/v1/session", body: jsonBody(t, map[string]string{"name": name, "password": testPassword})})
	if r.status != http.StatusOK {
		t.Fatalf("login %s: %v", name, r)
	}
	var me struct {
		User      auth.User `json:"user"`
		CSRFToken string    `json:"csrf_token"`
	}
	decode(t, r, &me)
	if me.User.Name != name || me.User.Role != role || me.CSRFToken == "" {
		t.Fatalf("login %s: answered %s", name, r.body)
	}
	c := &caller{name: name, role: role, csrf: me.CSRFToken}
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == api.SessionCookie {
			c.cookie = ck.Value
		}
	}
	if c.cookie == "" {
		t.Fatalf("login %s: no %s cookie in %v", name, api.SessionCookie, r.header)
	}
	return c
}

// part is one file of a multipart upload.
type part struct {
	name string
	data []byte
}

// multipartBody builds an upload form: the optional collection field and
// the files under the field "files".
func multipartBody(t *testing.T, collection string, files ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if collection != "" {
		if err := w.WriteField("collection", collection); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// readFile reads one of the shared camera files.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	return testfiles.ReadFile(t, path)
}

// eventually polls check every 50 ms until it returns "" or the deadline
// passes, then fails with check's last complaint.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, msg)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitJob polls GET /api/v1/ingests/<id> until the job is done, and
// returns it.
func (h *harness) waitJob(t *testing.T, c *caller, id string) ingest.Job {
	t.Helper()
	var job ingest.Job
	eventually(t, 5*time.Minute, func() string {
		r := h.send(t, c, req{method: "GET", path: "/api/v1/ingests/" + id})
		if r.status != http.StatusOK {
			return "GET ingest: " + r.String()
		}
		job = ingest.Job{}
		decode(t, r, &job)
		if job.State == "running" {
			return "ingest " + id + " still running"
		}
		return ""
	})
	return job
}

// etag is the ETag header of a reply, as sent back in If-Match.
func etag(t *testing.T, r reply) string {
	t.Helper()
	e := r.header.Get("ETag")
	if e == "" {
		t.Fatalf("no ETag in %v", r)
	}
	return e
}

// TestMain runs the tests with gin in release mode, as cmd/mediabank's main
// sets it (debug mode only adds route listings to standard output).
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}
