package renditions

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"

	"mediabank/assets"
	"mediabank/icc"
)

// TestStillRaw checks that a channel picture of a RAW file starts from
// its largest embedded JPEG, not from the one a preview would use.
func TestStillRaw(t *testing.T) {
	small := solidJPEG(t, 800, 533, color.RGBA{0, 0, 0xFF, 0xFF})
	large := solidJPEG(t, 2400, 1600, color.RGBA{0, 0xFF, 0, 0xFF})
	raw := rawTIFF(small, large)
	src := Source{Name: "synthetic.nef", Kind: assets.KindPhoto, R: bytes.NewReader(raw), Size: int64(len(raw))}
	err := (&Maker{}).Still(context.Background(), src, 1920, func(img image.Image, o int, _ *icc.Transform) error {
		if b := img.Bounds(); b.Dx() != 2400 || b.Dy() != 1600 || o != 1 {
			t.Errorf("Still = %dx%d, orientation %d; want the 2400x1600 preview, orientation 1", b.Dx(), b.Dy(), o)
		}
		if r, g, b, _ := img.At(1200, 800).RGBA(); g>>8 < 200 || r>>8 > 50 || b>>8 > 50 {
			t.Errorf("colour %d,%d,%d: want the green large preview", r>>8, g>>8, b>>8)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Maker{}).Still(context.Background(), Source{Name: "a.wav", Kind: assets.KindAudio}, 1920, nil); err == nil {
		t.Error("Still of an audio file: no error")
	}
}

// TestStillBudget checks that Still decodes within the budget like a
// preview: the cost for the edge asked for is held while use runs and
// given back after, and a picture over the whole budget is refused
// without use being called.
func TestStillBudget(t *testing.T) {
	photo := encoded(t, image.NewYCbCr(image.Rect(0, 0, 1800, 1200), image.YCbCrSubsampleRatio420), "jpeg")
	list, err := candidates(bytes.NewReader(photo), int64(len(photo)))
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Name: "big.jpg", Kind: assets.KindPhoto, R: bytes.NewReader(photo), Size: int64(len(photo))}
	b := NewBudget(DefaultDecodeBudget, 1)
	var during Usage
	err = (&Maker{Budget: b}).Still(context.Background(), src, 1080, func(image.Image, int, *icc.Transform) error {
		during = b.Usage()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := list[0].cost(1080); during.InUse != want {
		t.Errorf("held while use ran: %d bytes, want the cost for 1080 px, %d", during.InUse, want)
	}
	if u := b.Usage(); u.InUse != 0 || u.Granted != 1 {
		t.Errorf("after: usage %+v, want nothing held, 1 granted", u)
	}
	small := NewBudget(1<<20, 1)
	err = (&Maker{Budget: small}).Still(context.Background(), src, 1080, func(image.Image, int, *icc.Transform) error {
		t.Error("use called for a picture over the budget")
		return nil
	})
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "big.jpg") {
		t.Errorf("err = %v, want ErrTooLarge and ErrUnusable naming big.jpg", err)
	}
}
