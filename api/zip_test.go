package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mediabank/api"
	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
)

// TestZipDownload ingests four camera files, three of them called
// DSC_0001.JPG in some spelling, downloads them as one ZIP and unpacks
// it: each original once, stored uncompressed, under its camera name made
// unique, with the bytes whose SHA-256 is its id.
func TestZipDownload(t *testing.T) {
	h := newHarness(t, tempstore.New(t))
	h.addUser(t, "tamu", "viewer")
	h.addUser(t, "admin", "admin")
	data := testfiles.Dir(t)
	dir := t.TempDir()
	files := []struct{ src, dst string }{
		{"photos/jpg/Canon_40D.jpg", "a/DSC_0001.JPG"},
		{"photos/jpg/Nikon_D70.jpg", "b/DSC_0001.JPG"},
		{"photos/jpg/Kodak_CX7530.jpg", "c/dsc_0001.jpg"},
		{"photos/jpg/Fujifilm_FinePix_E500.jpg", "d/IMG_0002.JPG"},
	}
	var ids []string
	for _, f := range files {
		b := readFile(t, filepath.Join(data, f.src))
		dst := filepath.Join(dir, f.dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sha(b))
	}
	job := h.jobs.Start(t.Context(), ingest.JobSpec{Kind: "folder", Roots: []string{dir}})
	tamu := h.login(t, "tamu", "viewer")
	if j := h.waitJob(t, tamu, job.ID); j.State != "done" || j.Ingested != int64(len(files)) {
		t.Fatalf("ingest: %+v", j)
	}

	// A repeated id is sent once.
	r := h.send(t, tamu, req{method: "POST", path: "/api/v1/assets/zip", body: jsonBody(t, map[string]any{"ids": append(slices.Clone(ids), ids[0])})})
	if r.status != http.StatusOK {
		t.Fatalf("zip: %v", r)
	}
	if got := r.header.Get("Content-Type"); got != "application/zip" {
		t.Errorf("Content-Type = %q, want application/zip", got)
	}
	wantCD := `attachment; filename=mediabank-` + time.Now().In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02") + `.zip`
	if got := r.header.Get("Content-Disposition"); got != wantCD {
		t.Errorf("Content-Disposition = %q, want %q", got, wantCD)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("unzip: %v", err)
	}
	wantNames := []string{"DSC_0001.JPG", "DSC_0001 (2).JPG", "dsc_0001 (3).jpg", "IMG_0002.JPG"}
	var gotNames []string
	for i, f := range zr.File {
		gotNames = append(gotNames, f.Name)
		if f.Method != zip.Store {
			t.Errorf("%s: method %d, want Store (%d)", f.Name, f.Method, zip.Store)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		sum := sha256.Sum256(b)
		if i < len(ids) && hex.EncodeToString(sum[:]) != ids[i] {
			t.Errorf("%s: SHA-256 %x, want %s", f.Name, sum, ids[i])
		}
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("names = %q, want %q", gotNames, wantNames)
	}

	// An original lost from the store mid-way breaks the download off: the
	// client sees a failed transfer, never a ZIP quietly short of a file.
	if err := h.store.Delete(t.Context(), assets.OriginalKey(ids[2])); err != nil {
		t.Fatal(err)
	}
	hr, err := http.NewRequestWithContext(t.Context(), "POST", h.ts.URL+"/api/v1/assets/zip", bytes.NewReader(jsonBody(t, map[string]any{"ids": ids})))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("X-CSRF-Token", tamu.csrf)
	hr.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: tamu.cookie})
	res, err := h.ts.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	partial, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Errorf("a ZIP missing an original arrived whole (%d bytes, status %d)", len(partial), res.StatusCode)
	}

	// The download is in the audit log, with what was taken.
	admin := h.login(t, "admin", "admin")
	var log struct {
		Entries []struct{ User, Action, Target, Detail string }
	}
	decode(t, h.send(t, admin, req{method: "GET", path: "/api/v1/audit"}), &log)
	found := false
	for _, e := range log.Entries {
		found = found || e.User == "tamu" && e.Action == "asset.download" && e.Target == "assets/zip" &&
			strings.HasPrefix(e.Detail, "4 originals: ") && strings.Contains(e.Detail, ids[3])
	}
	if !found {
		t.Errorf("no audit entry for the ZIP in %+v", log.Entries)
	}
}

// TestZipRefusals: what the ZIP route refuses, before sending anything.
func TestZipRefusals(t *testing.T) {
	h := newHarness(t, tempstore.New(t))
	h.addUser(t, "tamu", "viewer")
	tamu := h.login(t, "tamu", "viewer")
	unknown := strings.Repeat("ab", 32)
	many := make([]string, 501)
	for i := range many {
		many[i] = unknown
	}
	tests := []struct {
		name string
		r    req
		want int
	}{
		{"no ids", req{body: []byte(`{"ids":[]}`)}, 400},
		{"no body", req{body: []byte(`{}`)}, 400},
		{"not an id", req{body: []byte(`{"ids":["DSC_0001.JPG"]}`)}, 400},
		{"upper-case hex", req{body: []byte(`{"ids":["` + strings.ToUpper(unknown) + `"]}`)}, 400},
		{"path in an id", req{body: []byte(`{"ids":["../../users/admin.json"]}`)}, 400},
		{"501 ids", req{body: jsonBody(t, map[string]any{"ids": many})}, 400},
		{"unknown field", req{body: []byte(`{"ids":["` + unknown + `"],"all":true}`)}, 400},
		{"not JSON", req{body: []byte(`ids=` + unknown), ctype: "application/x-www-form-urlencoded"}, 415},
		{"unknown asset", req{body: []byte(`{"ids":["` + unknown + `"]}`)}, 404},
		{"without the CSRF header", req{body: []byte(`{"ids":["` + unknown + `"]}`), noCSRF: true}, 403},
	}
	for _, tt := range tests {
		tt.r.method, tt.r.path = "POST", "/api/v1/assets/zip"
		r := h.send(t, tamu, tt.r)
		if r.status != tt.want {
			t.Errorf("%s: got %d, want %d (%s)", tt.name, r.status, tt.want, r)
		}
		if ct := r.header.Get("Content-Type"); r.status != 200 && !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: refusal of type %q, want JSON", tt.name, ct)
		}
	}
	if r := h.send(t, nil, req{method: "POST", path: "/api/v1/assets/zip", body: []byte(`{"ids":["` + unknown + `"]}`)}); r.status != 401 {
		t.Errorf("anonymous: got %d, want 401", r.status)
	}
}
