package renditions

import (
	"bytes"
	"context"
	"image/color"
	"testing"

	"mediabank/assets"
)

// TestStillRaw checks that a channel picture of a RAW file starts from
// its largest embedded JPEG, not from the one a preview would use.
func TestStillRaw(t *testing.T) {
	small := solidJPEG(t, 800, 533, color.RGBA{0, 0, 0xFF, 0xFF})
	large := solidJPEG(t, 2400, 1600, color.RGBA{0, 0xFF, 0, 0xFF})
	raw := rawTIFF(small, large)
	img, o, err := (&Maker{}).Still(context.Background(), Source{Name: "synthetic.nef", Kind: assets.KindPhoto, R: bytes.NewReader(raw), Size: int64(len(raw))})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2400 || b.Dy() != 1600 || o != 1 {
		t.Errorf("Still = %dx%d, orientation %d; want the 2400x1600 preview, orientation 1", b.Dx(), b.Dy(), o)
	}
	if r, g, b, _ := img.At(1200, 800).RGBA(); g>>8 < 200 || r>>8 > 50 || b>>8 > 50 {
		t.Errorf("colour %d,%d,%d: want the green large preview", r>>8, g>>8, b>>8)
	}
	if _, _, err := (&Maker{}).Still(context.Background(), Source{Name: "a.wav", Kind: assets.KindAudio}); err == nil {
		t.Error("Still of an audio file: no error")
	}
}
