package channels

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/channels/jpegmeta"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
	"mediabank/renditions"
)

// addOriginal stores data as an original and returns its asset record.
func addOriginal(t testing.TB, s assets.Store, name string, data []byte, meta assets.Metadata) *assets.Asset {
	t.Helper()
	id := assets.Sum(data)
	if _, err := s.Put(context.Background(), assets.OriginalKey(id), bytes.NewReader(data), int64(len(data)), assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return &assets.Asset{ID: id, SHA256: id, Size: int64(len(data)), FileName: name, Original: assets.OriginalKey(id), Meta: meta}
}

// exported writes f to a temporary file and reads it with ExifTool.
func exported(t *testing.T, f File) map[string]any {
	t.Helper()
	p := filepath.Join(t.TempDir(), f.Channel+".jpg")
	if err := os.WriteFile(p, f.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	return testfiles.ExifTool(t, p)
}

func num(v any) int {
	n, _ := v.(float64)
	return int(n)
}

// list is a tag ExifTool reports as one value or a list, joined by "|".
func list(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return strings.Join(out, "|")
	}
	return fmt.Sprint(v)
}

var edited = map[string]assets.Edit{
	"caption":   {Value: "Wali Kota Tangerang meresmikan Taman Cisadane, Sabtu (17/8/2026).", By: "rina"},
	"headline":  {Value: "Taman Cisadane dibuka", By: "rina"},
	"credit":    {Value: "Diskominfo Kota Tangerang", By: "rina"},
	"copyright": {Value: "© 2026 Pemerintah Kota Tangerang", By: "rina"},
	"keywords":  {Value: []any{"taman", "Cisadane", "peresmian"}, By: "rina"},
}

// TestRenderDefaultsReadByExifTool exports real camera files (GPS, maker
// notes, serial numbers) and a generated 4 MP picture to every built-in
// channel and reads each file back with ExifTool.
func TestRenderDefaultsReadByExifTool(t *testing.T) {
	dir := testfiles.Dir(t)
	s := tempstore.New(t)
	alt := 30.0
	taken := time.Date(2026, 8, 17, 9, 15, 0, 0, time.FixedZone("", 7*3600))
	big, err := jpegmeta.Write(testfiles.ReadFile(t, testfiles.WriteJPEGs(t, t.TempDir(), 1, 2000, 2000)[0]),
		jpegmeta.Fields{Make: "SONY", Model: "ILCE-7M3", GPS: &assets.GPS{Lat: -6.17, Lon: 106.63, Alt: &alt}})
	if err != nil {
		t.Fatal(err)
	}
	originals := []struct {
		name  string
		data  []byte
		meta  assets.Metadata
		exact bool // big enough for every channel's full size
	}{
		{"DSC00001.JPG", big, assets.Metadata{Kind: assets.KindPhoto, Width: 2000, Height: 2000, Make: "SONY", Model: "ILCE-7M3",
			TakenAt: &taken, GPS: &assets.GPS{Lat: -6.17, Lon: 106.63, Alt: &alt}, Caption: "dari kamera", Creator: "Budi Santoso"}, true},
		{"DSCN0010.jpg", testfiles.ReadFile(t, filepath.Join(dir, "photos/jpg/gps/DSCN0010.jpg")),
			assets.Metadata{Kind: assets.KindPhoto, Width: 640, Height: 480, GPS: &assets.GPS{Lat: 43.4674, Lon: 11.8851}, Creator: "Budi Santoso"}, false},
		{"Panasonic_DMC-FZ30.jpg", testfiles.ReadFile(t, filepath.Join(dir, "photos/jpg/Panasonic_DMC-FZ30.jpg")),
			assets.Metadata{Kind: assets.KindPhoto, Creator: "Budi Santoso"}, false},
	}
	r := &Renderer{Store: s, Presets: DefaultPresets()}
	for _, o := range originals {
		a := addOriginal(t, s, o.name, o.data, o.meta)
		a.Edits = edited
		for _, p := range r.Presets.List() {
			t.Run(o.name+"/"+p.Name, func(t *testing.T) {
				f, err := r.Render(context.Background(), a, p.Name)
				if err != nil {
					t.Fatal(err)
				}
				tags := exported(t, f)
				w, h := num(tags["File:ImageWidth"]), num(tags["File:ImageHeight"])
				if w != f.Width || h != f.Height {
					t.Errorf("file is %dx%d, File says %dx%d", w, h, f.Width, f.Height)
				}
				switch {
				case o.exact && p.Fit == FitCrop:
					if w != p.Width || h != p.Height {
						t.Errorf("size %dx%d, want %dx%d", w, h, p.Width, p.Height)
					}
				case o.exact: // web: the whole square picture, long edge 1920
					if w != 1920 || h != 1920 {
						t.Errorf("size %dx%d, want 1920x1920", w, h)
					}
				default: // never enlarged, the channel's shape
					if w > p.Width || h > p.Height {
						t.Errorf("size %dx%d: enlarged beyond %dx%d", w, h, p.Width, p.Height)
					}
					if a, ok := p.Aspect(); ok && abs(w*a.H-h*a.W) > max(a.W, a.H) {
						t.Errorf("size %dx%d is not %v", w, h, a)
					}
				}
				if p.MaxBytes > 0 && int64(len(f.Data)) > p.MaxBytes {
					t.Errorf("%d bytes, over %d", len(f.Data), p.MaxBytes)
				}
				want := map[string]string{
					"IPTC:CodedCharacterSet":          "\x1b%G",
					"IPTC:Caption-Abstract":           edited["caption"].Value.(string),
					"XMP:XMP-dc:Description":          edited["caption"].Value.(string),
					"IPTC:Headline":                   "Taman Cisadane dibuka",
					"XMP:XMP-photoshop:Headline":      "Taman Cisadane dibuka",
					"IPTC:By-line":                    "Budi Santoso",
					"XMP:XMP-dc:Creator":              "Budi Santoso",
					"IPTC:Credit":                     "Diskominfo Kota Tangerang",
					"XMP:XMP-photoshop:Credit":        "Diskominfo Kota Tangerang",
					"IPTC:CopyrightNotice":            "© 2026 Pemerintah Kota Tangerang",
					"XMP:XMP-dc:Rights":               "© 2026 Pemerintah Kota Tangerang",
					"IPTC:Keywords":                   "taman|Cisadane|peresmian",
					"XMP:XMP-dc:Subject":              "taman|Cisadane|peresmian",
					"EXIF:IFD0:Orientation":           "1",
					"EXIF:ExifIFD:ColorSpace":         "1",
					"ExifTool:Warning":                "",
					"EXIF:ExifIFD:DateTimeOriginal":   "",
					"EXIF:ExifIFD:OffsetTimeOriginal": "",
				}
				if o.meta.TakenAt != nil {
					want["EXIF:ExifIFD:DateTimeOriginal"] = "2026:08:17 09:15:00"
					want["EXIF:ExifIFD:OffsetTimeOriginal"] = "+07:00"
				}
				for tag, v := range want {
					if got := list(tags[tag]); got != v {
						t.Errorf("%s = %q, want %q", tag, got, v)
					}
				}
				for tag := range tags {
					if strings.Contains(tag, "GPS") || strings.Contains(tag, "Serial") || strings.HasPrefix(tag, "MakerNotes:") {
						t.Errorf("%s = %v left in the file", tag, tags[tag])
					}
				}
			})
		}
	}
}

func abs(x int) int { return max(x, -x) }

var (
	red    = color.NRGBA{220, 20, 20, 255}
	green  = color.NRGBA{20, 200, 20, 255}
	blue   = color.NRGBA{20, 20, 220, 255}
	yellow = color.NRGBA{230, 220, 20, 255}
)

// quadrants is a w×h JPEG whose quarters are, as stored, red (top left),
// green (top right), blue (bottom left) and yellow (bottom right).
func quadrants(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.NRGBA{{red, green}, {blue, yellow}}[2*y/h][2*x/w]
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// colourAt names the colour of the decoded pixel at (x, y).
func colourAt(t *testing.T, data []byte, x, y int) string {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(x, y).RGBA()
	r, g, b = r>>8, g>>8, b>>8
	best, dist := "", 1<<30
	for name, c := range map[string]color.NRGBA{"red": red, "green": green, "blue": blue, "yellow": yellow} {
		d := abs(int(r)-int(c.R)) + abs(int(g)-int(c.G)) + abs(int(b)-int(c.B))
		if d < dist {
			best, dist = name, d
		}
	}
	if dist > 60 {
		return fmt.Sprintf("none (%d,%d,%d)", r, g, b)
	}
	return best
}

// TestRenderCropOrientation6 sets crops on a picture stored sideways
// (EXIF orientation 6: shown turned 90° clockwise) and checks the colours
// of the exported corners. Upright, the picture is 300x400 with blue top
// left, red top right, yellow bottom left and green bottom right.
func TestRenderCropOrientation6(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		testfiles.Missing(t, "exiftool")
	}
	p := filepath.Join(t.TempDir(), "sideways.jpg")
	if err := os.WriteFile(p, quadrants(t, 400, 300), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(exiftool, "-q", "-overwrite_original", "-Orientation#=6", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v: %s", err, out)
	}
	s := tempstore.New(t)
	a := addOriginal(t, s, "sideways.jpg", testfiles.ReadFile(t, p), assets.Metadata{Kind: assets.KindPhoto, Width: 400, Height: 300, Orientation: 6})
	presets, err := LoadPresets(strings.NewReader(`{"square": {"width": 120, "height": 120}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Store: s, Presets: presets}
	tests := []struct {
		name           string
		crop           *assets.Rect
		tl, tr, bl, br string
	}{
		{"default: centred", nil, "blue", "red", "yellow", "green"},
		{"top right", &assets.Rect{X: 0.5, Y: 0, W: 0.5, H: 0.375}, "red", "red", "red", "red"},
		{"bottom left", &assets.Rect{X: 0, Y: 0.625, W: 0.5, H: 0.375}, "yellow", "yellow", "yellow", "yellow"},
		{"left column, upper half", &assets.Rect{X: 0, Y: 0.25, W: 0.5, H: 0.375}, "blue", "blue", "yellow", "yellow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delete(a.Crops, "1:1")
			if tt.crop != nil {
				if _, err := SetCrop(a, "1:1", *tt.crop, "rina", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			f, err := r.Render(context.Background(), a, "square")
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != 120 || f.Height != 120 { // crops of 150 px or more, shrunk
				t.Errorf("size %dx%d, want 120x120", f.Width, f.Height)
			}
			got := [4]string{colourAt(t, f.Data, 15, 15), colourAt(t, f.Data, 105, 15), colourAt(t, f.Data, 15, 105), colourAt(t, f.Data, 105, 105)}
			if want := [4]string{tt.tl, tt.tr, tt.bl, tt.br}; got != want {
				t.Errorf("corners (tl, tr, bl, br) = %v, want %v", got, want)
			}
		})
	}
}

// TestRenderVideo makes channel pictures of a video recorded sideways
// (rotation 90): a crop of its upright poster frame.
func TestRenderVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		testfiles.Missing(t, "ffmpeg")
	}
	s := tempstore.New(t)
	a := addOriginal(t, s, "clip_1080p_rotated.mov", testfiles.ReadFile(t, filepath.Join(testfiles.Dir(t), "video/clip_1080p_rotated.mov")),
		assets.Metadata{Kind: assets.KindVideo, Width: 1920, Height: 1080, Rotation: 90})
	a.Edits = edited
	r := &Renderer{Store: s, Presets: DefaultPresets()}
	for _, tt := range []struct {
		channel string
		w, h    int
	}{
		{"instagram_feed", 1080, 1350},
		{"instagram_story", 1080, 1920},
		{"x", 1080, 608},
		{"web", 1080, 1920},
	} {
		f, err := r.Render(context.Background(), a, tt.channel)
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != tt.w || f.Height != tt.h {
			t.Errorf("%s: %dx%d, want %dx%d", tt.channel, f.Width, f.Height, tt.w, tt.h)
		}
		if !bytes.Contains(f.Data, []byte("Taman Cisadane dibuka")) {
			t.Errorf("%s: the headline is not in the file", tt.channel)
		}
	}
}

func TestRenderWatermarkAndMaxBytes(t *testing.T) {
	s := tempstore.New(t)
	a := addOriginal(t, s, "IMG_0001.JPG", testfiles.ReadFile(t, testfiles.WriteJPEGs(t, t.TempDir(), 1, 2000, 2000)[0]),
		assets.Metadata{Kind: assets.KindPhoto, Width: 2000, Height: 2000})
	logo := image.NewNRGBA(image.Rect(0, 0, 100, 50))
	for i := range logo.Pix {
		logo.Pix[i] = []uint8{20, 20, 220, 255}[i%4]
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, logo); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "branding/logo.png", &buf, int64(buf.Len()), assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	presets, err := LoadPresets(strings.NewReader(`{
		"branded": {"width": 800, "height": 800, "max_bytes": 60000,
			"watermark": {"key": "branding/logo.png", "corner": "bottom-right", "size": 0.25}},
		"tiny": {"width": 1920, "height": 1920, "max_bytes": 10000},
		"nologo": {"width": 800, "height": 800, "watermark": {"key": "branding/none.png", "corner": "top-left", "size": 0.1}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Store: s, Presets: presets}
	f, err := r.Render(context.Background(), a, "branded")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Data) > 60000 || f.Quality >= 90 {
		t.Errorf("%d bytes at quality %d, want at most 60000 at a lower quality than 90", len(f.Data), f.Quality)
	}
	// The logo is 200x100 with a 16 px margin: x 584..784, y 684..784.
	if got := colourAt(t, f.Data, 684, 734); got != "blue" {
		t.Errorf("inside the logo: %s, want blue", got)
	}
	for _, p := range [][2]int{{100, 100}, {560, 734}, {684, 660}, {795, 795}} {
		if got := colourAt(t, f.Data, p[0], p[1]); got == "blue" {
			t.Errorf("at %v, outside the logo: blue", p)
		}
	}
	for _, tt := range []struct {
		channel string
		kind    assets.Kind
		want    error
		says    string
	}{
		{"tiny", assets.KindPhoto, ErrTooLarge, "over 10000"},
		{"nologo", assets.KindPhoto, assets.ErrNotFound, "branding/none.png"},
		{"tiktok", assets.KindPhoto, ErrUnknownChannel, "tiktok"},
		{"branded", assets.KindAudio, ErrNoPicture, "audio"},
	} {
		b := *a
		b.Meta.Kind = tt.kind
		_, err := r.Render(context.Background(), &b, tt.channel)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Render(%s, %s): err = %v, want %v saying %q", tt.channel, tt.kind, err, tt.want, tt.says)
		}
	}
}

// TestRenderDecodeBudget checks that a channel rendition decodes through
// the shared decode budget: a picture over the whole budget is refused
// with the budget's error before anything is decoded, and one within it
// is counted while it is cut down and given back after.
func TestRenderDecodeBudget(t *testing.T) {
	s := tempstore.New(t)
	a := addOriginal(t, s, "IMG_0001.JPG", testfiles.ReadFile(t, testfiles.WriteJPEGs(t, t.TempDir(), 1, 2000, 1500)[0]),
		assets.Metadata{Kind: assets.KindPhoto, Width: 2000, Height: 1500})
	tests := []struct {
		name   string
		budget int64
		says   string // "" for no error
		want   renditions.Usage
	}{
		{"over the budget", 1 << 20, "over the decode budget of 1.0 MiB", renditions.Usage{Refused: 1}},
		{"within the budget", renditions.DefaultDecodeBudget, "", renditions.Usage{Granted: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := renditions.NewBudget(tt.budget, 2)
			r := &Renderer{Store: s, Presets: DefaultPresets(), Maker: &renditions.Maker{Budget: b}}
			f, err := r.Render(context.Background(), a, "facebook")
			got := b.Usage()
			if tt.says != "" {
				if !errors.Is(err, renditions.ErrTooLarge) || !errors.Is(err, renditions.ErrUnusable) || !strings.Contains(err.Error(), tt.says) {
					t.Errorf("err = %v, want renditions.ErrTooLarge and ErrUnusable saying %q", err, tt.says)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if f.Width != 1200 || f.Height != 630 {
					t.Errorf("size %dx%d, want 1200x630", f.Width, f.Height)
				}
				// 2000x1500 at 1.5 bytes per pixel, and the work besides.
				if got.Peak < 4_500_000 {
					t.Errorf("budget peak %d, want at least the decoded picture's 4500000 bytes", got.Peak)
				}
			}
			got.Peak = 0
			if got != tt.want {
				t.Errorf("budget usage %+v (peak left out), want %+v", got, tt.want)
			}
		})
	}
}
