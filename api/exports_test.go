package api_test

import (
	"archive/zip"
	"bytes"
	"image/jpeg"
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
	"mediabank/audit"
	"mediabank/channels/jpegmeta"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// publishing is one coverage with two picks of 2000×2000 photos that carry
// GPS, the first with a caption set by an editor, ready to be approved.
type publishing struct {
	col   string
	picks []string // in pick order
	data  map[string][]byte
}

const exportCaption = "Wali Kota Tangerang memimpin upacara HUT RI ke-81 di Lapangan Ahmad Yani."

func newPublishing(t *testing.T, h *harness, editor *caller) publishing {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	alt := 30.0
	data := map[string][]byte{}
	var ids []string
	for i, p := range testfiles.WriteJPEGs(t, t.TempDir(), 2, 2000, 2000) {
		b, err := jpegmeta.Write(readFile(t, p), jpegmeta.Fields{Make: "NIKON CORPORATION", Model: "NIKON Z 6",
			GPS: &assets.GPS{Lat: -6.17, Lon: 106.63, Alt: &alt}})
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "DSC_000"+string(rune('1'+i))+".JPG")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		data[assets.Sum(b)] = b
		ids = append(ids, assets.Sum(b))
	}
	job := h.jobs.Start(ctx, ingest.JobSpec{Kind: "folder", Roots: []string{dir}})
	if j := h.waitJob(t, editor, job.ID); j.State != "done" || j.Ingested != 2 {
		t.Fatalf("ingest: %+v", j)
	}
	if r := h.send(t, editor, req{method: "PATCH", path: "/api/v1/assets/" + ids[1], body: jsonBody(t, map[string]string{"caption": exportCaption})}); r.status != http.StatusOK {
		t.Fatalf("caption: %v", r)
	}
	col, _, err := h.cols.Create(ctx, collections.Actor{User: "kabid", Role: "head"}, collections.Event{Title: "Upacara HUT RI ke-81",
		StartsAt: time.Date(2026, 8, 17, 7, 0, 0, 0, time.FixedZone("WIB", 7*3600))})
	if err != nil {
		t.Fatal(err)
	}
	// The picks and the state are written into the record directly: the
	// workflow's way there is TestCoverage's.
	setCoverage(t, h, col.ID, func(c *collections.Collection) {
		c.Material, c.Picks, c.State = ids, []string{ids[1], ids[0]}, collections.Drafting
	})
	return publishing{col: col.ID, picks: []string{ids[1], ids[0]}, data: data}
}

func setCoverage(t *testing.T, h *harness, id string, change func(*collections.Collection)) {
	t.Helper()
	var c collections.Collection
	tag, err := assets.ReadJSON(t.Context(), h.store, collections.Key(id), &c)
	if err != nil {
		t.Fatal(err)
	}
	change(&c)
	c.Version++
	if _, err := assets.WriteJSON(t.Context(), h.store, collections.Key(id), &c, assets.PutOptions{IfMatch: tag}); err != nil {
		t.Fatal(err)
	}
}

// unzip reads a ZIP answer's entries in order.
func unzip(t *testing.T, r reply) (names []string, files [][]byte) {
	t.Helper()
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("want a ZIP: %v", r)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rd, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rd)
		rd.Close()
		if err != nil {
			t.Fatal(err)
		}
		names, files = append(names, f.Name), append(files, b)
	}
	return names, files
}

func jpegSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	return cfg.Width, cfg.Height
}

// auditActions is the audit log of today as "action target" lines.
func auditActions(t *testing.T, h *harness) []string {
	t.Helper()
	es, err := audit.New(h.store, nil).List(t.Context(), time.Now().Add(-24*time.Hour), time.Now().Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.Target)
	}
	return out
}

// TestExport: a coverage's picks go out for a channel only once it is
// approved (422 with the reason before), as a ZIP of channel pictures
// named after the event, each of the preset's size with the caption
// inside and no GPS; the export is recorded in the coverage and audited.
func TestExport(t *testing.T) {
	h := newDiskHarness(t)
	editor, staff := h.newUser(t, "dewi", "editor"), h.newUser(t, "budi", "staff")
	p := newPublishing(t, h, editor)
	export := func(body string) reply {
		return h.send(t, staff, req{method: "POST", path: "/api/v1/collections/" + p.col + "/exports", body: []byte(body)})
	}

	r := export(`{"channel":"instagram_feed"}`)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "collection is drafting; its media go out once it is approved") {
		t.Fatalf("export before approval: %v, want 422 with the reason", r)
	}
	setCoverage(t, h, p.col, func(c *collections.Collection) { c.State = collections.Approved })

	for _, c := range []struct {
		body string
		want int
	}{
		{`{"channel":"tiktok"}`, http.StatusNotFound},
		{`{"channel":"x","assets":["` + strings.Repeat("0", 64) + `"]}`, http.StatusBadRequest},
		{`{"channel":"x","assets":["../x"]}`, http.StatusBadRequest},
		{`{"channel":"x","warna":1}`, http.StatusBadRequest},
	} {
		if r := export(c.body); r.status != c.want {
			t.Errorf("export %s: %v, want %d", c.body, r, c.want)
		}
	}

	r = export(`{"channel":"instagram_feed"}`)
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "20260817-upacara-hut-ri-ke-81-instagram_feed.zip") {
		t.Errorf("Content-Disposition %q", cd)
	}
	names, files := unzip(t, r)
	if want := []string{"20260817-upacara-hut-ri-ke-81-01.jpg", "20260817-upacara-hut-ri-ke-81-02.jpg"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
	for i, f := range files {
		if w, h := jpegSize(t, f); w != 1080 || h != 1350 {
			t.Errorf("%s: %dx%d, want 1080x1350", names[i], w, h)
		}
	}
	// The first is the pick with the caption: ExifTool reads it back, and
	// finds no GPS.
	file := filepath.Join(t.TempDir(), names[0])
	if err := os.WriteFile(file, files[0], 0o644); err != nil {
		t.Fatal(err)
	}
	tags := testfiles.ExifTool(t, file)
	if tags["IPTC:Caption-Abstract"] != exportCaption || tags["XMP:XMP-dc:Description"] != exportCaption {
		t.Errorf("caption: IPTC %q, XMP %q; want %q", tags["IPTC:Caption-Abstract"], tags["XMP:XMP-dc:Description"], exportCaption)
	}
	for k := range tags {
		if strings.Contains(strings.ToUpper(k), "GPS") {
			t.Errorf("exported file has %s = %v", k, tags[k])
		}
	}

	// Named assets, in the order asked.
	names, _ = unzip(t, export(`{"channel":"x","assets":["`+p.picks[1]+`"]}`))
	if len(names) != 1 {
		t.Errorf("one named asset: entries %q", names)
	}

	var col collections.Collection
	decode(t, h.send(t, staff, req{method: "GET", path: "/api/v1/collections/" + p.col}), &col)
	if len(col.Exports) != 2 || col.Exports[0].Channel != "instagram_feed" || col.Exports[0].By != "budi" ||
		!slices.Equal(col.Exports[0].Assets, p.picks) || col.Exports[1].Channel != "x" || !slices.Equal(col.Exports[1].Assets, p.picks[1:]) {
		t.Errorf("exports in the record: %+v", col.Exports)
	}
	if n := strings.Count(strings.Join(auditActions(t, h), "\n"), "collection.export collection/"+p.col); n != 2 {
		t.Errorf("%d export entries in the audit log, want 2", n)
	}

	// One asset, one channel.
	r = h.send(t, staff, req{method: "GET", path: "/api/v1/assets/" + p.picks[0] + "/channels/youtube_thumbnail"})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("one channel file: %v", r)
	}
	if w, h := jpegSize(t, r.body); w != 1280 || h != 720 {
		t.Errorf("youtube_thumbnail: %dx%d, want 1280x720", w, h)
	}
	if r := h.send(t, staff, req{method: "GET", path: "/api/v1/assets/" + p.picks[0] + "/channels/tiktok"}); r.status != http.StatusNotFound {
		t.Errorf("unknown channel: %v, want 404", r)
	}

	var presets []struct {
		Name          string `json:"name"`
		Width, Height int
	}
	decode(t, h.send(t, staff, req{method: "GET", path: "/api/v1/channels"}), &presets)
	if len(presets) != 6 || presets[1].Name != "instagram_feed" || presets[1].Width != 1080 || presets[1].Height != 1350 {
		t.Errorf("channels: %+v", presets)
	}
}

// TestShareLinks: a share link of an approved coverage opens without
// login and hands out exactly its picks, each download audited; after
// its expiry (the clock moved, not waited for) and after a revoke it
// answers 410.
func TestShareLinks(t *testing.T) {
	h := newDiskHarness(t)
	editor, staff := h.newUser(t, "dewi", "editor"), h.newUser(t, "budi", "staff")
	p := newPublishing(t, h, editor)
	share := func(channel string, expires time.Time) reply {
		return h.send(t, staff, req{method: "POST", path: "/api/v1/shares", body: jsonBody(t, map[string]any{
			"collection": p.col, "channel": channel, "expires_at": expires.Format(time.RFC3339)})})
	}
	now := h.stack.Clock.Now()
	if r := share("web", now.Add(48*time.Hour)); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("share before approval: %v, want 422", r)
	}
	setCoverage(t, h, p.col, func(c *collections.Collection) { c.State = collections.Approved })
	for _, c := range []struct {
		channel string
		expires time.Time
		want    int
	}{
		{"web", now.Add(31 * 24 * time.Hour), http.StatusBadRequest},
		{"web", now.Add(-time.Minute), http.StatusBadRequest},
		{"instagram_feed", now.Add(time.Hour), http.StatusBadRequest},
	} {
		if r := share(c.channel, c.expires); r.status != c.want {
			t.Errorf("share %s until %s: %v, want %d", c.channel, c.expires, r, c.want)
		}
	}

	var made struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	r := share("web", now.Add(48*time.Hour))
	if r.status != http.StatusCreated {
		t.Fatalf("share: %v", r)
	}
	decode(t, r, &made)
	token, ok := strings.CutPrefix(made.URL, "/bagikan/")
	if !ok || len(token) != 22 || len(made.ID) != 64 {
		t.Fatalf("share answered %s", r.body)
	}
	shared := "/api/v1/shared/" + token

	// Without login.
	names, files := unzip(t, h.send(t, nil, req{method: "GET", path: shared + "/zip"}))
	if want := []string{"20260817-upacara-hut-ri-ke-81-01.jpg", "20260817-upacara-hut-ri-ke-81-02.jpg"}; !slices.Equal(names, want) {
		t.Errorf("shared ZIP entries %q, want %q", names, want)
	}
	for i, f := range files {
		if w, h := jpegSize(t, f); w != 1920 || h != 1920 {
			t.Errorf("%s: %dx%d, want the web size 1920x1920", names[i], w, h)
		}
	}
	r = h.send(t, nil, req{method: "GET", path: shared + "/assets/" + p.picks[0]})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("one shared file: %v", r)
	}
	if r := h.send(t, nil, req{method: "GET", path: shared + "/assets/" + p.picks[0] + "/thumbnail"}); r.status != http.StatusOK {
		t.Errorf("shared thumbnail: %v", r)
	}
	if r := h.send(t, nil, req{method: "GET", path: shared + "/assets/" + strings.Repeat("a", 64)}); r.status != http.StatusNotFound {
		t.Errorf("an asset not shared: %v, want 404", r)
	}
	if r := h.send(t, nil, req{method: "GET", path: "/api/v1/shared/" + strings.Repeat("A", 22) + "/zip"}); r.status != http.StatusNotFound {
		t.Errorf("a token never given: %v, want 404", r)
	}
	log := strings.Join(auditActions(t, h), "\n")
	if n := strings.Count(log, "share.download share/"+made.ID); n != 2 {
		t.Errorf("%d share.download entries, want 2 (the ZIP and the file):\n%s", n, log)
	}

	// An original link, revoked.
	var orig struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	decode(t, share("original", now.Add(time.Hour)), &orig)
	origPath := "/api/v1/shared/" + strings.TrimPrefix(orig.URL, "/bagikan/")
	r = h.send(t, nil, req{method: "GET", path: origPath + "/assets/" + p.picks[1]})
	if r.status != http.StatusOK || !bytes.Equal(r.body, p.data[p.picks[1]]) {
		t.Errorf("shared original: %v, want the original's bytes", r)
	}
	var list struct {
		Shares []struct {
			ID string `json:"id"`
		} `json:"shares"`
	}
	decode(t, h.send(t, staff, req{method: "GET", path: "/api/v1/collections/" + p.col + "/shares"}), &list)
	if len(list.Shares) != 2 {
		t.Errorf("links of the coverage: %+v, want 2", list.Shares)
	}
	if r := h.send(t, staff, req{method: "DELETE", path: "/api/v1/shares/" + orig.ID}); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %v", r)
	}
	for _, path := range []string{origPath + "/zip", origPath + "/assets/" + p.picks[1]} {
		if r := h.send(t, nil, req{method: "GET", path: path}); r.status != http.StatusGone {
			t.Errorf("after revoke, %s: %v, want 410", path, r)
		}
	}
	if r := h.send(t, nil, req{method: "GET", path: shared + "/zip"}); r.status != http.StatusOK {
		t.Errorf("the other link after a revoke: %v, want 200", r)
	}

	h.stack.Clock.Advance(48 * time.Hour)
	for _, path := range []string{shared + "/zip", shared + "/assets/" + p.picks[0], shared + "/assets/" + p.picks[0] + "/thumbnail"} {
		if r := h.send(t, nil, req{method: "GET", path: path}); r.status != http.StatusGone {
			t.Errorf("after expiry, %s: %v, want 410", path, r)
		}
	}
}

// TestZipDownload ingests four camera files, three of them called
// DSC_0001.JPG in some spelling, downloads them as one ZIP and unpacks
// it: each original once, stored uncompressed, under its camera name made
// unique, with the bytes whose SHA-256 is its id.
func TestZipDownload(t *testing.T) {
	h := newDiskHarness(t)
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
		ids = append(ids, assets.Sum(b))
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
		if sum := assets.Sum(b); i < len(ids) && sum != ids[i] {
			t.Errorf("%s: SHA-256 %s, want %s", f.Name, sum, ids[i])
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
	h := newDiskHarness(t)
	tamu := h.newUser(t, "tamu", "viewer")
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
