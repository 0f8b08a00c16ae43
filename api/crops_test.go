package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// frame is a crop or focus answer.
type frame struct {
	Aspect     string
	X, Y, W, H float64
	By         string
	Default    bool
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// ingestOne ingests the JPEG bytes b as name through ingest.Jobs and
// returns its asset id.
func ingestOne(t *testing.T, h *harness, c *caller, name string, b []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	job := h.jobs.Start(t.Context(), ingest.JobSpec{Kind: "folder", Roots: []string{dir}})
	if j := h.waitJob(t, c, job.ID); j.State != "done" || j.Ingested != 1 {
		t.Fatalf("ingest %s: %+v", name, j)
	}
	return assets.Sum(b)
}

// TestCrops sets, reads back and forgets crops and the focus point of a
// 2000×1000 photo through the API: the answer is the frame as stored,
// fitted to the aspect; each change is in the record with who and when,
// honours If-Match and is audited; bad input is a 400 that says why.
func TestCrops(t *testing.T) {
	h := newDiskHarness(t)
	editor := h.newUser(t, "dewi", "editor")
	path := testfiles.WriteJPEGs(t, t.TempDir(), 1, 2000, 1000)[0]
	id := ingestOne(t, h, editor, "DSC_0001.JPG", readFile(t, path))
	asset := "/api/v1/assets/" + id
	put := func(p, body string, header map[string]string) reply {
		return h.send(t, editor, req{method: "PUT", path: p, body: []byte(body), header: header})
	}

	for _, c := range []struct {
		name, path, body string
		want             int
		says             string
	}{
		{"aspect not W:H", asset + "/crops/persegi", `{"x":0,"y":0,"w":1,"h":1}`, 400, "want W:H"},
		{"aspect of zero", asset + "/crops/4:0", `{"x":0,"y":0,"w":1,"h":1}`, 400, "want W:H"},
		{"a value missing", asset + "/crops/4:5", `{"x":0,"y":0,"w":1}`, 400, "want x, y, w and h"},
		{"outside the picture", asset + "/crops/4:5", `{"x":1.5,"y":0,"w":0.2,"h":0.2}`, 400, "fractions 0..1"},
		{"no width", asset + "/crops/4:5", `{"x":0.1,"y":0,"w":0,"h":0.2}`, 400, "above 0"},
		{"unknown field", asset + "/crops/4:5", `{"x":0,"y":0,"w":1,"h":1,"r":90}`, 400, "unknown field"},
		{"not JSON", asset + "/crops/4:5", `x=0`, 400, "body"},
		{"no such asset", "/api/v1/assets/" + strings.Repeat("0", 64) + "/crops/4:5", `{"x":0,"y":0,"w":1,"h":1}`, 404, "not found"},
		{"not an asset id", "/api/v1/assets/xyz/crops/4:5", `{"x":0,"y":0,"w":1,"h":1}`, 400, ""},
		{"focus outside", asset + "/focus", `{"x":0.5,"y":1.2}`, 400, "fractions 0..1"},
		{"focus without y", asset + "/focus", `{"x":0.5}`, 400, "want x and y"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := put(c.path, c.body, nil)
			if r.status != c.want || !strings.Contains(string(r.body), c.says) {
				t.Errorf("PUT %s %s: %v, want %d saying %q", c.path, c.body, r, c.want, c.says)
			}
		})
	}

	// A frame not of 4:5 is made 4:5 around its centre: on 2000×1000 a
	// frame 0.3 wide and 0.8 high is 600×800 px; 4:5 of 800 px high is
	// 640 px wide, more than 600, so the width holds: 600×750 px, that is
	// 0.3×0.75, centred on (0.45, 0.5).
	r := put(asset+"/crops/4:5", `{"x":0.3,"y":0.1,"w":0.3,"h":0.8}`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("PUT crop: %v", r)
	}
	var got frame
	decode(t, r, &got)
	if !near(got.X, 0.3) || !near(got.W, 0.3) || !near(got.H, 0.75) || !near(got.Y, 0.125) || got.Aspect != "4:5" || got.By != "dewi" || got.Default {
		t.Errorf("stored crop %+v, want 4:5 x 0.3 y 0.125 w 0.3 h 0.75 by dewi", got)
	}
	var rec struct {
		Crops map[string]frame
		Focus *frame
	}
	decode(t, h.send(t, editor, req{method: "GET", path: asset}), &rec)
	if c, ok := rec.Crops["4:5"]; !ok || c.By != "dewi" || !near(c.H, 0.75) {
		t.Errorf("record's crops %+v", rec.Crops)
	}

	// If-Match: a stale ETag is refused, the current one goes through.
	tag := etag(t, h.send(t, editor, req{method: "GET", path: asset}))
	if r := put(asset+"/crops/16:9", `{"x":0,"y":0,"w":1,"h":1}`, map[string]string{"If-Match": `"stale"`}); r.status != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %v, want 412", r)
	}
	r = put(asset+"/crops/16:9", `{"x":0,"y":0,"w":1,"h":1}`, map[string]string{"If-Match": tag})
	decode(t, r, &got)
	if r.status != http.StatusOK || !near(got.W, 1000*16.0/9/2000) || !near(got.H, 1) {
		t.Errorf("16:9 with If-Match: %v, want the full height, 1778 of 2000 px wide", r)
	}

	// The focus point: default crops centre on it, as near as the edges
	// allow. 4:5 is forgotten; on 2000×1000 its default is 800×1000
	// (0.4 wide), centred on x 0.2 it runs from 0 to 0.4.
	if r := put(asset+"/focus", `{"x":0.2,"y":0.3}`, nil); r.status != http.StatusOK {
		t.Fatalf("PUT focus: %v", r)
	}
	// 8:10 is the same shape as 4:5: it names the same crop.
	r = h.send(t, editor, req{method: "DELETE", path: asset + "/crops/8:10"})
	decode(t, r, &got)
	if r.status != http.StatusOK || !got.Default || got.Aspect != "4:5" || !near(got.X, 0) || !near(got.W, 0.4) || !near(got.H, 1) {
		t.Errorf("DELETE crop: %v, want the default 4:5 frame around the focus", r)
	}
	rec.Crops, rec.Focus = nil, nil
	decode(t, h.send(t, editor, req{method: "GET", path: asset}), &rec)
	if _, ok := rec.Crops["4:5"]; ok || rec.Focus == nil || !near(rec.Focus.X, 0.2) || rec.Focus.By != "dewi" {
		t.Errorf("after DELETE: crops %+v, focus %+v", rec.Crops, rec.Focus)
	}
	if r := h.send(t, editor, req{method: "DELETE", path: asset + "/focus"}); r.status != http.StatusOK || string(r.body) != "null" {
		t.Errorf("DELETE focus: %v", r)
	}

	// A viewer may not; every change is audited as an edit.
	if r := h.send(t, h.newUser(t, "tamu", "viewer"), req{method: "PUT", path: asset + "/focus", body: []byte(`{"x":0.5,"y":0.5}`)}); r.status != http.StatusForbidden {
		t.Errorf("viewer: %v, want 403", r)
	}
	var edits int
	for _, a := range auditActions(t, h) {
		if a == "asset.edit asset/"+id {
			edits++
		}
	}
	if edits != 5 {
		t.Errorf("%d asset.edit entries, want 5 (two crops, focus, crop removed, focus removed)", edits)
	}
}

// TestCropOrientation6 sets a crop through the API on a photo stored
// sideways (EXIF orientation 6) and downloads its channel picture: the
// frame is in the upright picture's coordinates, and the picture shows
// what is inside it. Upright the photo is 300×400: blue top left, red
// top right, yellow bottom left, green bottom right.
func TestCropOrientation6(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		testfiles.Missing(t, "exiftool")
	}
	h := newDiskHarness(t)
	editor := h.newUser(t, "dewi", "editor")

	colours := [2][2]color.RGBA{{{20, 40, 220, 255}, {220, 30, 30, 255}}, {{230, 220, 30, 255}, {30, 180, 60, 255}}}
	// Stored 400×300, shown turned 90° clockwise: the stored pixel (x, y)
	// is the upright point (1-y, x).
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := range 300 {
		for x := range 400 {
			u, v := 1-(float64(y)+0.5)/300, (float64(x)+0.5)/400
			img.Set(x, y, colours[btoi(v >= 0.5)][btoi(u >= 0.5)])
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sideways.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(exiftool, "-q", "-overwrite_original", "-Orientation#=6", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v: %s", err, out)
	}
	id := ingestOne(t, h, editor, "DSC_0006.JPG", readFile(t, p))

	tests := []struct {
		name   string
		crop   string // "" for the default
		want   [4]float64
		colour [4]string // top left, top right, bottom left, bottom right
	}{
		// 4:5 on 300×400: 300×375 centred.
		{"default", "", [4]float64{0, 0.03125, 1, 0.9375}, [4]string{"blue", "red", "yellow", "green"}},
		// The top right quarter (150×200) is made 4:5 (150×187.5) around its centre.
		{"top right", `{"x":0.5,"y":0,"w":0.5,"h":0.5}`, [4]float64{0.5, 0.015625, 0.5, 0.46875}, [4]string{"red", "red", "red", "red"}},
		{"bottom left", `{"x":0,"y":0.5,"w":0.5,"h":0.5}`, [4]float64{0, 0.515625, 0.5, 0.46875}, [4]string{"yellow", "yellow", "yellow", "yellow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, body := "DELETE", []byte(nil)
			if tt.crop != "" {
				method, body = "PUT", []byte(tt.crop)
			}
			r := h.send(t, editor, req{method: method, path: "/api/v1/assets/" + id + "/crops/4:5", body: body})
			var got frame
			decode(t, r, &got)
			if r.status != http.StatusOK || !near(got.X, tt.want[0]) || !near(got.Y, tt.want[1]) || !near(got.W, tt.want[2]) || !near(got.H, tt.want[3]) {
				t.Errorf("%s crop: %v, want x y w h %v", method, r, tt.want)
			}
			r = h.send(t, editor, req{method: "GET", path: "/api/v1/assets/" + id + "/channels/instagram_feed"})
			if r.status != http.StatusOK {
				t.Fatalf("channel picture: %v", r)
			}
			pic, err := jpeg.Decode(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			b := pic.Bounds()
			if ratio := float64(b.Dx()) / float64(b.Dy()); math.Abs(ratio-0.8) > 0.01 {
				t.Errorf("picture %v, want 4:5", b)
			}
			var got4 [4]string
			for i, at := range [4][2]float64{{0.1, 0.1}, {0.9, 0.1}, {0.1, 0.9}, {0.9, 0.9}} {
				got4[i] = nameColour(pic.At(b.Min.X+int(at[0]*float64(b.Dx())), b.Min.Y+int(at[1]*float64(b.Dy()))), colours)
			}
			if got4 != tt.colour {
				t.Errorf("corners (tl, tr, bl, br) %v, want %v", got4, tt.colour)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nameColour is the nearest of the four quadrant colours to c.
func nameColour(c color.Color, colours [2][2]color.RGBA) string {
	names := []string{"blue", "red", "yellow", "green"}
	r, g, b, _ := c.RGBA()
	best, dist := "none", math.Inf(1)
	for i, q := range slices.Concat(colours[0][:], colours[1][:]) {
		d := math.Abs(float64(r>>8)-float64(q.R)) + math.Abs(float64(g>>8)-float64(q.G)) + math.Abs(float64(b>>8)-float64(q.B))
		if d < dist {
			best, dist = names[i], d
		}
	}
	if dist > 90 {
		return "none"
	}
	return best
}
