package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/internal/testkit"
	"mediabank/search"
)

// served is a `mediabank serve` running in-process.
type served struct {
	base   string // http://127.0.0.1:port
	cancel context.CancelFunc
	code   chan int
	stderr *testkit.Buffer
}

// startServe runs `mediabank serve` as the command line would and waits
// for the address it prints.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, code: make(chan int, 1), stderr: &testkit.Buffer{}}
	pr, pw := io.Pipe()
	go func() {
		s.code <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), pw, s.stderr)
		pw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		// Read stdout to its end, so serve never blocks writing to it.
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`^mediabank serving on (http://\S+) `)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	patience, stop := testkit.Patience(t)
	t.Cleanup(stop)
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.code:
		case <-patience.Done():
			t.Errorf("serve did not stop after its context ended")
		}
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve ended before serving:\n%s", s.stderr)
		}
		s.base = a
	case <-patience.Done():
		t.Fatalf("serve never printed its address:\n%s", s.stderr)
	}
	return s
}

// get sends a GET with the session cookie and extra headers.
func (s *served) get(t *testing.T, cookie, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, "GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "mediabank_session", Value: cookie})
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res, body
}

// TestServe is issue 4's done-when: `mediabank serve` with a card mounted
// under its mount root and a file dropped into its upload folder ingests
// both by itself, and the API then finds, shows and serves what came in;
// on the local disk and on a real MinIO.
func TestServe(t *testing.T) {
	root := testfiles.Dir(t)
	backends := []struct {
		name string
		env  func(t *testing.T) map[string]string
	}{
		{"disk", func(*testing.T) map[string]string {
			return map[string]string{"MEDIABANK_S3_ENDPOINT": "", "MEDIABANK_S3_ACCESS_KEY": "", "MEDIABANK_S3_SECRET_KEY": "", "MEDIABANK_S3_BUCKET": ""}
		}},
		{"minio", func(t *testing.T) map[string]string {
			m := storetest.StartMinIO(t)
			return map[string]string{"MEDIABANK_S3_ENDPOINT": m.Endpoint, "MEDIABANK_S3_ACCESS_KEY": m.AccessKey, "MEDIABANK_S3_SECRET_KEY": m.SecretKey, "MEDIABANK_S3_BUCKET": "serve"}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := b.env(t)
			env["MEDIABANK_DATA"] = t.TempDir()
			env["MEDIABANK_ADMIN_USER"] = "admin"
			env["MEDIABANK_ADMIN_PASSWORD"] = "kata-sandi-admin-1"
			env["MEDIABANK_POLICY"] = ""
			env["MEDIABANK_S3_TLS"] = ""
			for k, v := range env {
				t.Setenv(k, v)
			}
			serveOnce(t, root)
		})
	}
}

// cardFile is one file of the camera card and what it is in the bank.
type cardFile struct {
	onCard string // path below the card's root
	from   string // the shared camera file it is a copy of
}

func serveOnce(t *testing.T, root string) {
	media, uploads, stage := t.TempDir(), t.TempDir(), t.TempDir()
	s := startServe(t, "--addr", "127.0.0.1:0", "--mount-root", media, "--watch", uploads, "--poll", "500ms")

	for _, p := range []string{"/healthz", "/readyz"} {
		if res, body := s.get(t, "", p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, res.StatusCode, body)
		}
	}
	cookie := serveLogin(t, s)

	// A camera card, laid out whole beside the mount root and then moved
	// under it in one rename, as a mount appears.
	card := []cardFile{
		{"DCIM/100CANON/IMG_0001.JPG", "photos/jpg/Canon_PowerShot_S40.jpg"},
		{"DCIM/100CANON/IMG_0002.JPG", "photos/jpg/Canon_40D.jpg"},
		{"DCIM/100CANON/IMG_0003.JPG", "photos/jpg/Canon_DIGITAL_IXUS_400.jpg"},
		{"DCIM/100CANON/MVI_0004.MOV", "video/clip_1080p_rotated.mov"},
	}
	ids := map[string]string{} // file name in the bank -> asset id
	data := map[string][]byte{}
	built := filepath.Join(stage, "EOS_DIGITAL")
	for _, f := range card {
		b, err := os.ReadFile(filepath.Join(root, f.from))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(built, f.onCard)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ids[filepath.Base(f.onCard)], data[filepath.Base(f.onCard)] = sha(t, dst), b
	}
	if err := os.Rename(built, filepath.Join(media, "EOS_DIGITAL")); err != nil {
		t.Fatal(err)
	}
	// And a file dropped into the upload folder.
	dropped := filepath.Join(uploads, "DSCN0010.JPG")
	b, err := os.ReadFile(filepath.Join(root, "photos/jpg/gps/DSCN0010.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dropped, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ids["DSCN0010.JPG"] = sha(t, dropped)

	// Both jobs end on their own: the card's and the folder's.
	var jobs []ingest.Job
	deadline := time.Now().Add(5 * time.Minute) // a safety net: a loaded machine is slow
	for {
		res, body := s.get(t, cookie, "/api/v1/ingests")
		var list struct {
			Ingests []ingest.Job `json:"ingests"`
		}
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil {
			t.Fatalf("GET /api/v1/ingests: %d %s", res.StatusCode, body)
		}
		jobs = list.Ingests
		done := len(jobs) == 2
		for _, j := range jobs {
			done = done && j.State != "running"
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingests after 5 minutes: %+v\n%s", jobs, s.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	slices.SortFunc(jobs, func(a, b ingest.Job) int { return strings.Compare(a.Kind, b.Kind) })
	want := []struct {
		kind, label string
		ingested    int64
	}{{"card", "EOS_DIGITAL", 4}, {"folder", "", 1}}
	for i, w := range want {
		j := jobs[i]
		if j.Kind != w.kind || j.Label != w.label || j.State != "done" || !j.SafeToEject || j.Ingested != w.ingested || j.Failed != 0 || j.Duplicates != 0 {
			t.Errorf("job %d = %+v;\nwant kind %s, label %q, done, safe to eject, %d ingested, none failed", i, j, w.kind, w.label, w.ingested)
		}
	}

	// Search finds every file, under its camera name.
	res, body := s.get(t, cookie, "/api/v1/assets?sort=name")
	var found search.Result
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &found) != nil {
		t.Fatalf("search: %d %s", res.StatusCode, body)
	}
	var names []string
	for _, h := range found.Hits {
		names = append(names, h.FileName)
		if ids[h.FileName] != h.ID {
			t.Errorf("hit %s has id %s, want %s (the SHA-256 of its bytes)", h.FileName, h.ID, ids[h.FileName])
		}
	}
	if wantNames := []string{"DSCN0010.JPG", "IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG", "MVI_0004.MOV"}; found.Total != 5 || !slices.Equal(names, wantNames) {
		t.Errorf("search: %d hits %v, want %v", found.Total, names, wantNames)
	}
	for _, q := range []struct {
		query string
		want  []string
	}{
		{"type:video", []string{"MVI_0004.MOV"}},
		{"camera:canon", []string{"IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG"}},
		{"name:DSCN0010.JPG", []string{"DSCN0010.JPG"}},
	} {
		res, body := s.get(t, cookie, "/api/v1/assets?sort=name&q="+q.query)
		var r search.Result
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil {
			t.Fatalf("search %q: %d %s", q.query, res.StatusCode, body)
		}
		var got []string
		for _, h := range r.Hits {
			got = append(got, h.FileName)
		}
		if !slices.Equal(got, q.want) {
			t.Errorf("search %q: %v, want %v", q.query, got, q.want)
		}
	}

	// A thumbnail is a JPEG 320 px on its long edge: the 480x360 photo's
	// is 320x240.
	res, body = s.get(t, cookie, "/api/v1/assets/"+ids["IMG_0001.JPG"]+"/thumbnail")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %q %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
		t.Errorf("thumbnail: %dx%d (%v), want a 320x240 JPEG", cfg.Width, cfg.Height, err)
	}
	res, body = s.get(t, cookie, "/api/v1/assets/"+ids["MVI_0004.MOV"]+"/thumbnail")
	if _, err := jpeg.DecodeConfig(bytes.NewReader(body)); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" || err != nil {
		t.Errorf("video thumbnail: %d %q (%v)", res.StatusCode, res.Header.Get("Content-Type"), err)
	}

	// The original, a range of it, under its camera file name.
	whole := data["IMG_0001.JPG"]
	res, body = s.get(t, cookie, "/api/v1/assets/"+ids["IMG_0001.JPG"]+"/original", "Range", "bytes=100-1123")
	if res.StatusCode != http.StatusPartialContent {
		t.Fatalf("original with Range: %d %.200s", res.StatusCode, body)
	}
	if !bytes.Equal(body, whole[100:1124]) {
		t.Errorf("range 100-1123: %d bytes, not the file's bytes 100..1123", len(body))
	}
	if got, want := res.Header.Get("Content-Range"), fmt.Sprintf("bytes 100-1123/%d", len(whole)); got != want {
		t.Errorf("Content-Range = %q, want %q", got, want)
	}
	disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != "IMG_0001.JPG" {
		t.Errorf("Content-Disposition = %q, want attachment naming IMG_0001.JPG", res.Header.Get("Content-Disposition"))
	}
	res, body = s.get(t, cookie, "/api/v1/assets/"+ids["DSCN0010.JPG"]+"/original")
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, b) {
		t.Errorf("whole original of the dropped file: %d, %d bytes; want its %d bytes", res.StatusCode, len(body), len(b))
	}
	if res, _ := s.get(t, "", "/api/v1/assets/"+ids["DSCN0010.JPG"]+"/original"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("original without logging in: %d, want 401", res.StatusCode)
	}

	// Cancelling the context stops serve cleanly.
	s.cancel()
	patience, stop := testkit.Patience(t)
	defer stop()
	select {
	case code := <-s.code:
		s.code <- code // for the cleanup
		if code != 0 {
			t.Errorf("serve exited %d after cancel, want 0:\n%s", code, s.stderr)
		}
	case <-patience.Done():
		t.Fatalf("serve still running after cancel:\n%s", s.stderr)
	}
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Errorf("serve still answers after it returned")
	}
}

// serveLogin logs the bootstrapped admin in and returns the session cookie.
func serveLogin(t *testing.T, s *served) string {
	t.Helper()
	body := strings.NewReader(`{"name":"admin","password":"kata-sandi-admin-1"}`)
	res, err := http.Post(s.base+"/api/v1/session", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("login as the bootstrapped admin: %d %s\n%s", res.StatusCode, b, s.stderr)
	}
	for _, c := range res.Cookies() {
		if c.Name == "mediabank_session" {
			return c.Value
		}
	}
	t.Fatal("login set no session cookie")
	return ""
}
