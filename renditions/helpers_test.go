package renditions

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

// testdata is the shared camera files; missing is what a test says of
// anything else it needs. Both fail under CI and skip elsewhere.
func testdata(t testing.TB) string { return testfiles.Dir(t) }

func missing(t testing.TB, what string) { t.Helper(); testfiles.Missing(t, what) }

// makeFile runs Make on the file at path, as ingest does.
func makeFile(t testing.TB, m *Maker, path string, orientation int) ([]Output, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	kind, _, ok := assets.KindOf(path)
	if !ok {
		t.Fatalf("%s: not a kind the bank keeps", path)
	}
	return m.Make(context.Background(), Source{Name: filepath.Base(path), Kind: kind, R: f, Size: fi.Size(), Path: path, Orientation: orientation})
}

// makeBytes runs Make on a photo held in memory.
func makeBytes(m *Maker, name string, b []byte) ([]Output, error) {
	return m.Make(context.Background(), Source{Name: name, Kind: assets.KindPhoto, R: bytes.NewReader(b), Size: int64(len(b))})
}

// byName indexes outputs by rendition name.
func byName(t testing.TB, out []Output) map[string]Output {
	t.Helper()
	m := map[string]Output{}
	for _, o := range out {
		m[o.Name] = o
	}
	return m
}

// decoded decodes an output and checks that it is what it says it is.
func decoded(t testing.TB, o Output) image.Image {
	t.Helper()
	var img image.Image
	var err error
	switch o.MIME {
	case "image/jpeg":
		img, err = jpeg.Decode(bytes.NewReader(o.Data))
	case "image/png":
		img, err = png.Decode(bytes.NewReader(o.Data))
	default:
		t.Fatalf("%s: MIME %q", o.Name, o.MIME)
	}
	if err != nil {
		t.Fatalf("%s: decode: %v", o.Name, err)
	}
	if b := img.Bounds(); b.Dx() != o.Width || b.Dy() != o.Height {
		t.Fatalf("%s: is %dx%d, says %dx%d", o.Name, b.Dx(), b.Dy(), o.Width, o.Height)
	}
	return img
}

// grey16 is img shrunk to 16×16 grey levels, for comparing pictures while
// ignoring compression and scaling differences.
func grey16(img image.Image) [256]float64 {
	var g [256]float64
	var n [256]float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, gr, bl, _ := img.At(x, y).RGBA()
			i := (y-b.Min.Y)*16/b.Dy()*16 + (x-b.Min.X)*16/b.Dx()
			g[i] += (0.299*float64(r) + 0.587*float64(gr) + 0.114*float64(bl)) / 257
			n[i]++
		}
	}
	for i := range g {
		g[i] /= n[i]
	}
	return g
}

// meanDiff is the mean absolute difference of two grey16 pictures, 0..255.
func meanDiff(a, b [256]float64) float64 {
	var d float64
	for i := range a {
		d += max(a[i]-b[i], b[i]-a[i])
	}
	return d / 256
}

// correlation is Pearson's correlation of two grey16 pictures: 1 for the
// same picture whatever its exposure.
func correlation(a, b [256]float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i] / 256
		mb += b[i] / 256
	}
	var ab, aa, bb float64
	for i := range a {
		ab += (a[i] - ma) * (b[i] - mb)
		aa += (a[i] - ma) * (a[i] - ma)
		bb += (b[i] - mb) * (b[i] - mb)
	}
	return ab / math.Sqrt(aa*bb)
}
