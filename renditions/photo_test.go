package renditions

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

// TestOrientation checks that all 8 EXIF orientations come out the same
// way up: every thumbnail of the orientation set must look like the one
// stored upright (orientation 1), and have its aspect. The files differ in
// exposure and in the digit drawn on them, so likeness is a correlation.
func TestOrientation(t *testing.T) {
	dir := filepath.Join(testdata(t), "photos", "jpg", "orientation")
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(files) < 8 {
		t.Fatalf("orientation set: %d files, %v", len(files), err)
	}
	thumbs := map[string]image.Image{}
	for _, f := range files {
		out, err := makeFile(t, &Maker{}, f, 0)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		thumbs[filepath.Base(f)] = decoded(t, byName(t, out)[assets.Thumbnail])
	}
	refs := map[string][256]float64{
		"landscape": grey16(thumbs["landscape_1.jpg"]),
		"portrait":  grey16(thumbs["portrait_1.jpg"]),
	}
	for name, img := range thumbs {
		shape, _, _ := strings.Cut(name, "_")
		b := img.Bounds()
		if got, want := b.Dx() > b.Dy(), shape == "landscape"; got != want {
			t.Errorf("%s: thumbnail %dx%d, want %s", name, b.Dx(), b.Dy(), shape)
			continue
		}
		if c := correlation(grey16(img), refs[shape]); c < 0.9 {
			t.Errorf("%s: correlation %.2f with %s_1, want ≥ 0.9", name, c, shape)
		}
	}
	// The comparison must be able to fail: the upright picture turned
	// upside down is far from itself.
	flipped := upright(toNRGBA(thumbs["landscape_1.jpg"]), 3)
	if c := correlation(grey16(flipped), refs["landscape"]); c >= 0.9 {
		t.Errorf("upside-down landscape has correlation %.2f with itself: the test cannot see orientation", c)
	}
}

// TestOrientationGiven checks that an orientation passed by the caller wins
// over the file's.
func TestOrientationGiven(t *testing.T) {
	f := filepath.Join(testdata(t), "photos", "jpg", "orientation", "landscape_1.jpg")
	tests := []struct {
		orientation         int
		wantWidth, wantHigh int
	}{
		{0, 320, 240},
		{1, 320, 240},
		{6, 240, 320},
		{8, 240, 320},
		{3, 320, 240},
	}
	for _, tt := range tests {
		out, err := makeFile(t, &Maker{}, f, tt.orientation)
		if err != nil {
			t.Fatal(err)
		}
		th := byName(t, out)[assets.Thumbnail]
		if th.Width != tt.wantWidth || th.Height != tt.wantHigh {
			t.Errorf("orientation %d: thumbnail %dx%d, want %dx%d", tt.orientation, th.Width, th.Height, tt.wantWidth, tt.wantHigh)
		}
	}
}

// TestSizes checks the sizes of the renditions of photos and videos: the
// long edges, small originals never enlarged, the orientation a photo and
// the rotation a video asks for; and that a video without frames fails
// cleanly, naming the file.
func TestSizes(t *testing.T) {
	td := testdata(t)
	type size struct {
		name string
		w, h int
	}
	photo := func(thumbW, thumbH, previewW, previewH int) []size {
		return []size{{assets.Thumbnail, thumbW, thumbH}, {assets.Preview, previewW, previewH}}
	}
	video := func(posterW, posterH, thumbW, thumbH int) []size {
		return []size{{assets.Poster, posterW, posterH}, {assets.Thumbnail, thumbW, thumbH}}
	}
	tests := []struct {
		file string
		want []size // nil: an error naming the file
	}{
		{"photos/jpg/Konica_Minolta_DiMAGE_Z3.jpg", photo(70, 100, 70, 100)},
		{"photos/jpg/gps/DSCN0010.jpg", photo(320, 240, 640, 480)},
		{"photos/jpg/exif-org/ricoh-rdc5300.jpg", photo(320, 214, 896, 600)},
		{"photos/jpg/tests/42_IndexError.jpg", photo(320, 240, 1600, 1200)},
		{"photos/jpg/mobile/HMD_Nokia_8.3_5G.jpg", photo(320, 137, 1600, 686)},
		{"photos/jpg/hdr/canon_hdr_NO.jpg", photo(240, 320, 1200, 1600)}, // orientation 6
		{"photos/tiff/Picoawards.tiff", photo(255, 320, 436, 547)},
		{"formats/PNG.png", photo(16, 16, 16, 16)},
		{"video/clip_720p_gps.mp4", video(1280, 720, 320, 180)},
		{"video/clip_1080p_rotated.mov", video(900, 1600, 180, 320)}, // rotation 90
		{"formats/QuickTime.mov", nil},                               // ExifTool test file: no frames
		{"video/truncated.mp4", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if k, _, _ := assets.KindOf(tt.file); k == assets.KindVideo {
				needFFmpeg(t)
			}
			out, err := makeFile(t, &Maker{}, filepath.Join(td, tt.file), 0)
			if tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), filepath.Base(tt.file)) {
					t.Errorf("err = %v, want an error naming the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := byName(t, out)
			for _, w := range tt.want {
				o := got[w.name]
				decoded(t, o)
				if o.Width != w.w || o.Height != w.h {
					t.Errorf("%s: %dx%d, want %dx%d", w.name, o.Width, o.Height, w.w, w.h)
				}
			}
		})
	}
}

// expectedFailures are the photos of the test data that carry no usable
// pixels, with the reason.
var expectedFailures = map[string]string{
	"formats/CanonRaw.cr2":   "ExifTool test file: its JPEG previews are 26- and 28-byte placeholders; raw sensor data is not decoded",
	"formats/CanonRaw.cr3":   "ExifTool test file: its PRVW and THMB JPEGs are 26- and 28-byte placeholders",
	"formats/Nikon.nef":      "ExifTool test file: the IFD0 RGB thumbnail's strip is cut short and the JpgFromRaw is a 29-byte placeholder",
	"formats/QuickTime.heic": "ExifTool test file of 623 bytes: HEIF boxes with no HEVC data",
}

// TestEveryPhoto makes renditions of every photo in the test data and
// lists which produced them; a readable photo that did not fails.
func TestEveryPhoto(t *testing.T) {
	td := testdata(t)
	var made, failed []string
	for _, dir := range []string{"photos", "formats"} {
		err := filepath.WalkDir(filepath.Join(td, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if k, _, ok := assets.KindOf(p); !ok || k != assets.KindPhoto {
				return nil
			}
			rel, _ := filepath.Rel(td, p)
			rel = filepath.ToSlash(rel)
			out, err := makeFile(t, &Maker{}, p, 0)
			reason, expected := expectedFailures[rel]
			switch {
			case err != nil && expected:
				failed = append(failed, rel+": "+reason)
			case err != nil:
				t.Errorf("%s: no renditions: %v", rel, err)
			case expected:
				t.Errorf("%s: listed as an expected failure (%s) but made renditions", rel, reason)
			default:
				got := byName(t, out)
				th, pr := got[assets.Thumbnail], got[assets.Preview]
				decoded(t, th)
				decoded(t, pr)
				made = append(made, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(made)
	t.Logf("renditions made for %d photos:\n  %s", len(made), strings.Join(made, "\n  "))
	t.Logf("expected failures (%d):\n  %s", len(failed), strings.Join(failed, "\n  "))
	if len(made) < 100 {
		t.Errorf("renditions for %d photos, want at least 100", len(made))
	}
}

// TestColour checks colour conversion against reference PNGs of the same
// picture shipped with Go: CMYK (Adobe), every chroma subsampling, grey.
func TestColour(t *testing.T) {
	dir := filepath.Join(runtime.GOROOT(), "src", "image", "testdata")
	tests := []struct{ file, ref string }{
		{"video-001.cmyk.jpeg", "video-001.cmyk.png"},
		{"video-001.jpeg", "video-001.png"},
		{"video-001.q50.410.jpeg", "video-001.png"},
		{"video-001.q50.411.jpeg", "video-001.png"},
		{"video-001.q50.420.jpeg", "video-001.png"},
		{"video-001.q50.422.jpeg", "video-001.png"},
		{"video-001.q50.440.jpeg", "video-001.png"},
		{"video-001.q50.444.jpeg", "video-001.png"},
		{"video-001.progressive.jpeg", "video-001.png"},
		{"video-005.gray.jpeg", "video-005.gray.png"},
		{"video-001.5bpp.gif", "video-001.png"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			missing(t, "Go's image test data "+tt.file)
		}
		out, err := makeBytes(&Maker{}, tt.file, b)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		got := decoded(t, byName(t, out)[assets.Preview])
		rf, err := os.Open(filepath.Join(dir, tt.ref))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := png.Decode(rf)
		rf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d := meanRGBDiff(got, ref); d > 8 {
			t.Errorf("%s: mean colour difference %.1f from %s, want ≤ 8", tt.file, d, tt.ref)
		}
	}
}

// meanRGBDiff compares two same-sized pictures channel by channel, 0..255.
func meanRGBDiff(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return 255
	}
	var d float64
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
				d += max(float64(p[0])-float64(p[1]), float64(p[1])-float64(p[0])) / 257
			}
		}
	}
	return d / float64(3*ab.Dx()*ab.Dy())
}

// TestPixelFormats checks inputs that are not 8-bit RGB: 16-bit, grey,
// paletted and transparent PNGs, encoded here by image/png.
func TestPixelFormats(t *testing.T) {
	red16 := image.NewRGBA64(image.Rect(0, 0, 400, 300))
	gray16 := image.NewGray16(image.Rect(0, 0, 400, 300))
	pal := image.NewPaletted(image.Rect(0, 0, 400, 300), color.Palette{color.RGBA{0, 0, 0xFF, 0xFF}})
	transparent := image.NewNRGBA(image.Rect(0, 0, 400, 300)) // fully transparent
	for i := range red16.Pix {
		if i%8 == 0 || i%8 == 1 || i%8 >= 6 {
			red16.Pix[i] = 0xFF
		}
	}
	for i := range gray16.Pix {
		gray16.Pix[i] = 0x80
	}
	tests := []struct {
		name string
		img  image.Image
		want color.RGBA
	}{
		{"red16.png", red16, color.RGBA{0xFF, 0, 0, 0xFF}},
		{"gray16.png", gray16, color.RGBA{0x80, 0x80, 0x80, 0xFF}},
		{"paletted.png", pal, color.RGBA{0, 0, 0xFF, 0xFF}},
		{"transparent.png", transparent, color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := png.Encode(&buf, tt.img); err != nil {
			t.Fatal(err)
		}
		out, err := makeBytes(&Maker{}, tt.name, buf.Bytes())
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		th := decoded(t, byName(t, out)[assets.Thumbnail])
		r, g, b, _ := th.At(th.Bounds().Dx()/2, th.Bounds().Dy()/2).RGBA()
		got := []int{int(r >> 8), int(g >> 8), int(b >> 8)}
		want := []int{int(tt.want.R), int(tt.want.G), int(tt.want.B)}
		for i := range got {
			if d := got[i] - want[i]; d > 6 || d < -6 {
				t.Errorf("%s: centre is %v, want %v", tt.name, got, want)
				break
			}
		}
	}
}

// hugeJPEG is a JPEG header that declares 65000×65000 pixels and has no
// image data.
func hugeJPEG() []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	// DQT: one table of ones.
	b.Write([]byte{0xFF, 0xDB, 0x00, 0x43, 0x00})
	b.Write(bytes.Repeat([]byte{1}, 64))
	// SOF0: 8-bit, 65000×65000, one component.
	sof := []byte{0xFF, 0xC0, 0x00, 0x0B, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00}
	binary.BigEndian.PutUint16(sof[5:], 65000)
	binary.BigEndian.PutUint16(sof[7:], 65000)
	b.Write(sof)
	// SOS: where a decoder would start reading 4.2 billion pixels.
	b.Write([]byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00})
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// TestHostile feeds broken and hostile photos: each gives a clear error or
// renditions, never a panic or a hang.
func TestHostile(t *testing.T) {
	td := testdata(t)
	pngBytes, err := os.ReadFile(filepath.Join(td, "formats", "PNG.png"))
	if err != nil {
		t.Fatal(err)
	}
	photo, err := os.ReadFile(filepath.Join(td, "photos", "jpg", "gps", "DSCN0010.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" for renditions, else a part of the error
	}{
		{"empty.jpg", nil, "not a known image format"},
		{"huge.jpg", hugeJPEG(), "65000x65000, over the limit"},
		{"png-named.jpg", pngBytes, ""},
		{"truncated.jpg", photo[:len(photo)/3], ""}, // EXIF thumbnail survives
		{"header-only.jpg", photo[:2000], "read main image header"},
		{"garbage.jpg", bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, 500), "main image"},
	}
	invalid, _ := filepath.Glob(filepath.Join(td, "photos", "jpg", "invalid", "*.jpg"))
	invalid = append(invalid, filepath.Join(td, "photos", "jpg", "corrupted.jpg"))
	for _, f := range invalid {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name    string
			data    []byte
			wantErr string
		}{filepath.Base(f), b, "?"})
	}
	for _, tt := range tests {
		out, err := makeBytes(&Maker{}, tt.name, tt.data)
		switch {
		case errors.Is(err, errPanic):
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr == "?" && err != nil: // either is fine: say which
			t.Logf("%s: %v", tt.name, err)
		case tt.wantErr == "?":
			t.Logf("%s: renditions %dx%d", tt.name, out[0].Width, out[0].Height)
			decoded(t, out[0])
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v, want renditions", tt.name, err)
		case tt.wantErr == "":
			decoded(t, out[0])
		case err == nil || !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		case !strings.Contains(err.Error(), tt.name):
			t.Errorf("%s: error %v does not name the file", tt.name, err)
		}
	}
}

// TestCancel checks that a cancelled context stops Make.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := hugeJPEG()
	_, err := (&Maker{}).Make(ctx, Source{Name: "x.jpg", Kind: assets.KindPhoto, R: bytes.NewReader(b), Size: int64(len(b))})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// FuzzMake feeds photo bytes to Make. Seeds are the small real files.
func FuzzMake(f *testing.F) {
	td := testdata(f)
	for _, dir := range []string{"photos", "formats"} {
		filepath.WalkDir(filepath.Join(td, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if k, _, _ := assets.KindOf(p); k != assets.KindPhoto {
				return nil
			}
			if fi, err := d.Info(); err == nil && fi.Size() <= 64<<10 {
				b, err := os.ReadFile(p)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
			}
			return nil
		})
	}
	f.Add(hugeJPEG())
	f.Add(testfiles.PNGBomb())
	f.Add(progressive(encoded(f, image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420), "jpeg")))
	m := &Maker{MaxPixels: 4e6}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 12 && string(b[4:8]) == "ftyp" && string(b[8:12]) != "crx " {
			// HEIF goes to libheif compiled to WASM, which is fuzzed
			// upstream and would make each run here take seconds.
			t.Skip("HEIF")
		}
		// A photo of at most 4 MP takes well under a second: ten means a
		// parser that loops.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := m.Make(ctx, Source{Name: "fuzz.jpg", Kind: assets.KindPhoto, R: bytes.NewReader(b), Size: int64(len(b))})
		if errors.Is(err, errPanic) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
		for _, o := range out {
			if o.Width < 1 || o.Height < 1 || max(o.Width, o.Height) > PreviewEdge || len(o.Data) == 0 {
				t.Fatalf("%s: %dx%d, %d bytes", o.Name, o.Width, o.Height, len(o.Data))
			}
		}
	})
}

// TestRawPreview checks that RAW files are shown by their embedded JPEG:
// of a RAW-like TIFF holding two previews of different colours, in IFD0
// and in a SubIFD, the one big enough for the preview size is used.
func TestRawPreview(t *testing.T) {
	td := testdata(t)
	small := solidJPEG(t, 800, 533, color.RGBA{0, 0, 0xFF, 0xFF})
	large := solidJPEG(t, 2400, 1600, color.RGBA{0, 0xFF, 0, 0xFF})
	raw := rawTIFF(small, large)
	out, err := makeBytes(&Maker{}, "synthetic.nef", raw)
	if err != nil {
		t.Fatal(err)
	}
	pr := byName(t, out)[assets.Preview]
	img := decoded(t, pr)
	if pr.Width != 1600 || pr.Height != 1067 {
		t.Errorf("preview %dx%d, want 1600x1067 from the 2400x1600 preview", pr.Width, pr.Height)
	}
	if r, g, b, _ := img.At(800, 500).RGBA(); g>>8 < 200 || r>>8 > 50 || b>>8 > 50 {
		t.Errorf("preview colour %d,%d,%d: want the green large preview", r>>8, g>>8, b>>8)
	}
	// The RAF held in the test data carries its JPEG at the header's offset.
	out, err = makeFile(t, &Maker{}, filepath.Join(td, "formats", "FujiFilm.raf"), 0)
	if err != nil {
		t.Fatalf("FujiFilm.raf: %v", err)
	}
	if th := byName(t, out)[assets.Thumbnail]; th.Width != 160 || th.Height != 120 {
		t.Errorf("FujiFilm.raf: thumbnail %dx%d, want 160x120 (its EXIF thumbnail)", th.Width, th.Height)
	}
}

func solidJPEG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawTIFF lays out a little-endian TIFF as NEF and ARW do: IFD0 with a
// JPEG preview (0x201/0x202) and a SubIFD with another.
func rawTIFF(ifd0JPEG, subJPEG []byte) []byte {
	le := binary.LittleEndian
	entry := func(tag, typ uint16, count, value uint32) []byte {
		e := make([]byte, 12)
		le.PutUint16(e, tag)
		le.PutUint16(e[2:], typ)
		le.PutUint32(e[4:], count)
		le.PutUint32(e[8:], value)
		return e
	}
	ifd := func(entries ...[]byte) []byte {
		b := make([]byte, 2)
		le.PutUint16(b, uint16(len(entries)))
		for _, e := range entries {
			b = append(b, e...)
		}
		return append(b, 0, 0, 0, 0)
	}
	const ifd0At = 8
	ifd0Len := 2 + 3*12 + 4
	subAt := ifd0At + ifd0Len
	subLen := 2 + 2*12 + 4
	jpeg0At := subAt + subLen
	jpeg1At := jpeg0At + len(ifd0JPEG)
	b := []byte{'I', 'I', 42, 0, ifd0At, 0, 0, 0}
	b = append(b, ifd(
		entry(0x14A, 4, 1, uint32(subAt)),
		entry(0x201, 4, 1, uint32(jpeg0At)),
		entry(0x202, 4, 1, uint32(len(ifd0JPEG))),
	)...)
	b = append(b, ifd(
		entry(0x201, 4, 1, uint32(jpeg1At)),
		entry(0x202, 4, 1, uint32(len(subJPEG))),
	)...)
	b = append(b, ifd0JPEG...)
	return append(b, subJPEG...)
}
