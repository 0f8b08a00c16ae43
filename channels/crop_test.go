package channels

import (
	"image"
	"image/color"
	"math"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/renditions"
)

func near(a, b assets.Rect) bool {
	const eps = 1e-9
	return math.Abs(a.X-b.X) < eps && math.Abs(a.Y-b.Y) < eps && math.Abs(a.W-b.W) < eps && math.Abs(a.H-b.H) < eps
}

func TestParseAspect(t *testing.T) {
	tests := []struct {
		in   string
		want Aspect
		ok   bool
	}{
		{"4:5", Aspect{4, 5}, true},
		{"16:9", Aspect{16, 9}, true},
		{"1080:1350", Aspect{4, 5}, true},
		{"1:1", Aspect{1, 1}, true},
		{"4/5", Aspect{}, false},
		{"0:5", Aspect{}, false},
		{"-4:5", Aspect{}, false},
		{"4:5:6", Aspect{}, false},
		{"4:5x", Aspect{}, false},
		{" 4:5", Aspect{}, false},
		{"04:5", Aspect{}, false},
		{"99999:1", Aspect{}, false},
		{"", Aspect{}, false},
	}
	for _, tt := range tests {
		got, err := ParseAspect(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseAspect(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDefaultCrop(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		aspect Aspect
		focus  *assets.Focus
		want   assets.Rect
	}{
		{"landscape to 4:5, centred", 6000, 4000, Aspect{4, 5}, nil, assets.Rect{X: 0.2333333333333333, Y: 0, W: 0.5333333333333333, H: 1}},
		{"portrait to 16:9, centred", 3000, 4000, Aspect{16, 9}, nil, assets.Rect{X: 0, Y: 0.2890625, W: 1, H: 0.421875}},
		{"same aspect: the whole picture", 1600, 900, Aspect{16, 9}, nil, assets.Rect{W: 1, H: 1}},
		{"focus left of centre", 6000, 4000, Aspect{1, 1}, &assets.Focus{X: 0.4, Y: 0.5}, assets.Rect{X: 0.4 - 1.0/3, Y: 0, W: 2.0 / 3, H: 1}},
		{"focus at the edge: clamped inside", 6000, 4000, Aspect{1, 1}, &assets.Focus{X: 0.95, Y: 0.1}, assets.Rect{X: 1.0 / 3, Y: 0, W: 2.0 / 3, H: 1}},
		{"focus in a portrait, top", 3000, 4000, Aspect{16, 9}, &assets.Focus{X: 0.5, Y: 0.05}, assets.Rect{X: 0, Y: 0, W: 1, H: 0.421875}},
	}
	for _, tt := range tests {
		if got := DefaultCrop(tt.w, tt.h, tt.aspect, tt.focus); !near(got, tt.want) {
			t.Errorf("%s: DefaultCrop = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestFitRect(t *testing.T) {
	tests := []struct {
		name   string
		r      assets.Rect
		w, h   int
		aspect Aspect
		want   assets.Rect
	}{
		{"already exact", assets.Rect{X: 0.1, Y: 0.2, W: 0.4, H: 0.6}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 0.1, Y: 0.2, W: 0.4, H: 0.6}},
		{"too tall: height cut around the centre", assets.Rect{X: 0.1, Y: 0.1, W: 0.4, H: 0.8}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 0.1, Y: 0.2, W: 0.4, H: 0.6}},
		{"too wide: width cut around the centre", assets.Rect{X: 0, Y: 0, W: 1, H: 0.6}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 0.3, Y: 0, W: 0.4, H: 0.6}},
		{"past the right edge: shifted in", assets.Rect{X: 0.8, Y: 0.2, W: 0.4, H: 0.6}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 0.6, Y: 0.2, W: 0.4, H: 0.6}},
		{"bigger than the picture: the largest frame", assets.Rect{X: -0.5, Y: -0.5, W: 2, H: 2}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 1.0 / 6, Y: 0, W: 2.0 / 3, H: 1}},
		{"no area: the default", assets.Rect{X: 0.5, Y: 0.5}, 1500, 1000, Aspect{1, 1}, assets.Rect{X: 1.0 / 6, Y: 0, W: 2.0 / 3, H: 1}},
	}
	for _, tt := range tests {
		if got := FitRect(tt.r, tt.w, tt.h, tt.aspect); !near(got, tt.want) {
			t.Errorf("%s: FitRect = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestStored(t *testing.T) {
	// The upright top-right quarter-wide, half-high corner.
	r := assets.Rect{X: 0.75, Y: 0, W: 0.25, H: 0.5}
	tests := []struct {
		o    int
		want assets.Rect
	}{
		{1, assets.Rect{X: 0.75, Y: 0, W: 0.25, H: 0.5}},
		{2, assets.Rect{X: 0, Y: 0, W: 0.25, H: 0.5}},
		{3, assets.Rect{X: 0, Y: 0.5, W: 0.25, H: 0.5}},
		{4, assets.Rect{X: 0.75, Y: 0.5, W: 0.25, H: 0.5}},
		{5, assets.Rect{X: 0, Y: 0.75, W: 0.5, H: 0.25}},
		{6, assets.Rect{X: 0, Y: 0, W: 0.5, H: 0.25}},      // shown turned clockwise: upright top-right was stored top-left
		{7, assets.Rect{X: 0.5, Y: 0, W: 0.5, H: 0.25}},    //
		{8, assets.Rect{X: 0.5, Y: 0.75, W: 0.5, H: 0.25}}, // shown turned anticlockwise: it was stored bottom-right
	}
	for _, tt := range tests {
		if got := Stored(r, tt.o); !near(got, tt.want) {
			t.Errorf("Stored(%+v, %d) = %+v, want %+v", r, tt.o, got, tt.want)
		}
	}
}

// TestStoredAgreesWithUpright checks Stored against the rotation the
// renditions really apply: a pixel marked in the stored picture must land,
// once upright, inside the upright frame Stored was asked about.
func TestStoredAgreesWithUpright(t *testing.T) {
	const sw, sh = 8, 6
	for o := 1; o <= 8; o++ {
		for sy := range sh {
			for sx := range sw {
				img := image.NewNRGBA(image.Rect(0, 0, sw, sh))
				img.SetNRGBA(sx, sy, color.NRGBA{255, 255, 255, 255})
				up := renditions.Upright(img, o)
				uw, uh := up.Rect.Dx(), up.Rect.Dy()
				var ux, uy int
				for i := 0; i < len(up.Pix); i += 4 {
					if up.Pix[i] == 255 {
						ux, uy = (i/4)%uw, (i/4)/uw
					}
				}
				cell := assets.Rect{X: float64(ux) / float64(uw), Y: float64(uy) / float64(uh), W: 1 / float64(uw), H: 1 / float64(uh)}
				if got, want := Pixels(Stored(cell, o), sw, sh), image.Rect(sx, sy, sx+1, sy+1); got != want {
					t.Errorf("orientation %d: upright pixel (%d,%d) maps to stored %v, want %v", o, ux, uy, got, want)
				}
			}
		}
	}
}

func TestPixels(t *testing.T) {
	tests := []struct {
		r    assets.Rect
		w, h int
		want image.Rectangle
	}{
		{assets.Rect{W: 1, H: 1}, 640, 480, image.Rect(0, 0, 640, 480)},
		{assets.Rect{X: 0.25, Y: 0.5, W: 0.5, H: 0.5}, 640, 480, image.Rect(160, 240, 480, 480)},
		{assets.Rect{X: 0.999, Y: 0.999, W: 0.0001, H: 0.0001}, 640, 480, image.Rect(639, 479, 640, 480)}, // at least a pixel
		{assets.Rect{X: -0.1, Y: 0.9, W: 1.5, H: 0.5}, 10, 10, image.Rect(0, 9, 10, 10)},
	}
	for _, tt := range tests {
		if got := Pixels(tt.r, tt.w, tt.h); got != tt.want {
			t.Errorf("Pixels(%+v, %d, %d) = %v, want %v", tt.r, tt.w, tt.h, got, tt.want)
		}
	}
}

func TestUprightSize(t *testing.T) {
	tests := []struct {
		m            assets.Metadata
		wantW, wantH int
	}{
		{assets.Metadata{Width: 6000, Height: 4000}, 6000, 4000},
		{assets.Metadata{Width: 6000, Height: 4000, Orientation: 3}, 6000, 4000},
		{assets.Metadata{Width: 6000, Height: 4000, Orientation: 6}, 4000, 6000},
		{assets.Metadata{Width: 6000, Height: 4000, Orientation: 8}, 4000, 6000},
		{assets.Metadata{Width: 1920, Height: 1080, Rotation: 90}, 1080, 1920},
		{assets.Metadata{Width: 1920, Height: 1080, Rotation: -90}, 1080, 1920},
		{assets.Metadata{Width: 1920, Height: 1080, Rotation: 180}, 1920, 1080},
	}
	for _, tt := range tests {
		if w, h := UprightSize(tt.m); w != tt.wantW || h != tt.wantH {
			t.Errorf("UprightSize(%dx%d o%d r%d) = %dx%d, want %dx%d", tt.m.Width, tt.m.Height, tt.m.Orientation, tt.m.Rotation, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestSetCrop(t *testing.T) {
	at := time.Date(2026, 8, 18, 10, 0, 0, 0, time.UTC)
	a := &assets.Asset{ID: "a", Meta: assets.Metadata{Width: 6000, Height: 4000, Orientation: 6}} // upright 4000x6000
	// A frame dragged a little off 4:5 is made exact around its centre.
	c, err := SetCrop(a, "4:5", assets.Rect{X: 0.1, Y: 0.1, W: 0.5, H: 0.5}, "siti", at)
	if err != nil {
		t.Fatal(err)
	}
	want := assets.Crop{Rect: assets.Rect{X: 0.1, Y: 0.35 - 0.2083333333333333, W: 0.5, H: 0.4166666666666667}, By: "siti", At: at}
	if !near(c.Rect, want.Rect) || c.By != want.By || !c.At.Equal(at) {
		t.Errorf("SetCrop = %+v, want %+v", c, want)
	}
	if got := a.Crops["4:5"]; got != c {
		t.Errorf("record holds %+v, want %+v", got, c)
	}
	if got := CropFor(a, Aspect{4, 5}, 4000, 6000); !near(got, want.Rect) {
		t.Errorf("CropFor(4:5) = %+v, want the person's %+v", got, want.Rect)
	}
	if got, want := CropFor(a, Aspect{16, 9}, 4000, 6000), DefaultCrop(4000, 6000, Aspect{16, 9}, nil); !near(got, want) {
		t.Errorf("CropFor(16:9) = %+v, want the default %+v", got, want)
	}
	feed, _ := DefaultPresets().Get("instagram_feed")
	web, _ := DefaultPresets().Get("web")
	if got := feed.Frame(a); !near(got, want.Rect) {
		t.Errorf("instagram_feed.Frame = %+v, want the person's %+v", got, want.Rect)
	}
	if got := web.Frame(a); !near(got, assets.Rect{W: 1, H: 1}) {
		t.Errorf("web.Frame = %+v, want the whole picture", got)
	}
	if err := SetFocus(a, 0.5, 0.1, "siti", at); err != nil {
		t.Fatal(err)
	}
	if got, want := CropFor(a, Aspect{16, 9}, 4000, 6000), DefaultCrop(4000, 6000, Aspect{16, 9}, a.Focus); !near(got, want) || got.Y != 0 {
		t.Errorf("CropFor(16:9) with focus = %+v, want %+v at the top", got, want)
	}
	for _, bad := range []struct {
		aspect string
		r      assets.Rect
	}{
		{"4x5", assets.Rect{W: 0.5, H: 0.5}},
		{"4:5", assets.Rect{W: 0, H: 0.5}},
		{"4:5", assets.Rect{X: 2, W: 0.5, H: 0.5}},
		{"4:5", assets.Rect{X: math.NaN(), W: 0.5, H: 0.5}},
	} {
		if _, err := SetCrop(a, bad.aspect, bad.r, "siti", at); err == nil {
			t.Errorf("SetCrop(%q, %+v): no error", bad.aspect, bad.r)
		}
	}
	for _, f := range [][2]float64{{-0.1, 0.5}, {0.5, 1.5}, {math.NaN(), 0}} {
		if err := SetFocus(a, f[0], f[1], "siti", at); err == nil {
			t.Errorf("SetFocus(%v): no error", f)
		}
	}
}

// FuzzParseAspect: an aspect comes from a URL. Whatever it is, ParseAspect
// does not panic, and what it accepts is in lowest terms and bounds and
// reads back as itself.
func FuzzParseAspect(f *testing.F) {
	for _, s := range []string{"4:5", "8:10", "16:9", "0:1", "1:0", "-4:5", "4:5x", " 4:5", "10001:1", "4:", ":5", "٤:٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAspect(s)
		if err != nil {
			return
		}
		if a.W < 1 || a.H < 1 || a.W > maxEdge || a.H > maxEdge {
			t.Fatalf("ParseAspect(%q) = %v: out of bounds", s, a)
		}
		back, err := ParseAspect(a.String())
		if err != nil || back != a {
			t.Fatalf("ParseAspect(%q) = %v, which reads back as %v, %v", s, a, back, err)
		}
	})
}
