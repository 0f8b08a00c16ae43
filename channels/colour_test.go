package channels

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/jpeg"
	"path/filepath"
	"testing"

	"mediabank/assets"
	"mediabank/containers"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
	"mediabank/renditions"
)

// TestRenderSRGB: a photo in Apple's Generic RGB comes out as an sRGB
// JPEG without a profile (ExifTool reads no ICC_Profile, and EXIF
// ColorSpace 1, sRGB), with the colours libvips gives the same pixels
// in sRGB: the mean difference per channel at most maxDiff code values
// once the reference is encoded as the rendition is, and the colours as
// decoded at least minOff away (so that the test can fail).
func TestRenderSRGB(t *testing.T) {
	const maxDiff, minOff = 1.0, 3.0
	s := tempstore.New(t)
	data := testfiles.ReadFile(t, filepath.Join(testfiles.Dir(t), "photos/jpg/orientation/landscape_3.jpg"))
	a := addOriginal(t, s, "landscape_3.jpg", data, assets.Metadata{Kind: assets.KindPhoto, Width: 600, Height: 450, Orientation: 3})
	f, err := (&Renderer{Store: s, Presets: DefaultPresets()}).Render(context.Background(), a, "web")
	if err != nil {
		t.Fatal(err)
	}
	tags := exported(t, f)
	if got := [2]any{tags["ICC_Profile:ProfileDescription"], tags["EXIF:ExifIFD:ColorSpace"]}; got != [2]any{nil, 1.0} {
		t.Errorf("ProfileDescription, ColorSpace = %v, want none and 1 (sRGB)", got)
	}
	decode := func(b []byte) *image.NRGBA {
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		n := image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(n, n.Rect, img, img.Bounds().Min, draw.Src)
		return n
	}
	// As the rendition is made: upright and encoded at its quality.
	encoded := func(n *image.NRGBA) *image.NRGBA {
		b, err := renditions.EncodeJPEG(renditions.Upright(n, 3), f.Quality)
		if err != nil {
			t.Fatal(err)
		}
		return decode(b)
	}
	plain := decode(data)
	profile, err := containers.ICC(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := encoded(testfiles.VipsSRGB(t, plain, profile))
	got := decode(f.Data)
	d, off := testfiles.MeanAbsDiff(t, got, want), testfiles.MeanAbsDiff(t, encoded(plain), want)
	t.Logf("mean |difference| per channel from vips %.2f, as decoded %.2f", d, off)
	for c := range 3 {
		if d[c] > maxDiff {
			t.Errorf("channel %d: %.2f from vips, want at most %v", c, d[c], maxDiff)
		}
	}
	if max(off[0], off[1], off[2]) < minOff {
		t.Errorf("as decoded only %.2f from vips: the picture does not show the conversion", off)
	}
}
