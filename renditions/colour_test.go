package renditions

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gen2brain/heic"

	"mediabank/assets"
	"mediabank/containers"
	"mediabank/icc"
	"mediabank/internal/testfiles"
)

// TestCandidateColour: where each picture's colours come from. The
// profile names are ExifTool's ICC_Profile:ProfileDescription of the
// files (../shared/testdata/expected/exiftool.json).
func TestCandidateColour(t *testing.T) {
	dir := testdata(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	olympus := read("photos/jpg/Olympus_C8080WZ.jpg") // EXIF ColorSpace 0xFFFF, InteropIndex R98
	generic := read("photos/jpg/orientation/landscape_3.jpg")
	// Its one APP2 piece made to say it is 1 of 2.
	i := bytes.Index(generic, []byte("ICC_PROFILE\x00\x01\x01"))
	broken := append([]byte(nil), generic...)
	broken[i+13] = 2
	tests := []struct {
		name        string
		data        []byte
		want        string // the profile of every candidate, "" for none
		converts    bool   // the profile is not sRGB's
		unconverted string // the reason a profile is left unapplied
	}{
		{"Adobe RGB JPEG", read("formats/ExifTool.jpg"), "Adobe RGB (1998)", true, ""},
		{"Generic RGB JPEG", generic, "Generic RGB Profile", true, ""},
		{"sRGB JPEG", read("photos/jpg/Canon_40D.jpg"), "sRGB IEC61966-2.1", false, ""},
		{"no profile", read("formats/Canon1DmkIII.jpg"), "", false, ""},
		{"EXIF uncalibrated R98", olympus, "", false, ""},
		{"EXIF uncalibrated R03", bytes.Replace(olympus, []byte("R98\x00"), []byte("R03\x00"), 1), "Adobe RGB (1998)", true, ""},
		{"broken APP2 pieces", broken, "", false, "1 pieces of a profile that says 2"},
		{"NEF: IFD0's profile for its previews", read("formats/Nikon.nef"), "Nikon Adobe RGB 4.0.0.3000", true, ""},
		{"TIFF", read("photos/tiff/Tless0.tiff"), "Color LCD", true, ""},
		{"HEIC", read("photos/heic/mobile/iphone_13_pro_max.HEIC"), "Display P3", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := candidates(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil || len(list) == 0 {
				t.Fatalf("candidates: %v, %d", err, len(list))
			}
			for _, c := range list {
				got := ""
				if c.profile != nil {
					got = c.profile.Description
				}
				if got != tt.want || (icc.ToSRGB(c.profile) != nil) != tt.converts || !strings.Contains(c.unconverted, tt.unconverted) || (tt.unconverted == "") != (c.unconverted == "") {
					t.Errorf("%s: profile %q (converts %v, unconverted %q), want %q (%v, %q)",
						c.what, got, icc.ToSRGB(c.profile) != nil, c.unconverted, tt.want, tt.converts, tt.unconverted)
				}
			}
		})
	}
}

// TestPreviewSRGB makes the preview of photos in other colour spaces and
// compares it with libvips' sRGB conversion of the same decoded pixels,
// shrunk, turned upright and encoded here as the preview is (a JPEG at
// quality 82 of a detailed photo is on its own 4–6 code values from its
// pixels): the mean difference per channel is to be at most maxDiff code
// values, and the picture as decoded at least minOff from it in some
// channel, so that the test can fail. Measured: 0.2 for the JPEG
// (not shrunk), 0.9–1.1 for the HEIC, of which 0.1–0.4 is the conversion
// coming after the shrinking instead of before, the rest JPEG rounding
// the two slightly different pictures differently.
func TestPreviewSRGB(t *testing.T) {
	const maxDiff, minOff = 1.5, 3.0
	dir := testdata(t)
	tests := []struct {
		file   string
		orient int // EXIF orientation
	}{
		{"photos/jpg/orientation/landscape_3.jpg", 3},    // Generic RGB, 600×450
		{"photos/heic/mobile/iphone_13_pro_max.HEIC", 1}, // Display P3, 3024×4032 shrunk to 1200×1600
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			out, err := makeFile(t, &Maker{}, path, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := toNRGBA(decoded(t, byName(t, out)[assets.Preview]))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var img image.Image
			if strings.HasSuffix(path, ".HEIC") {
				img, err = heic.Decode(bytes.NewReader(b))
			} else {
				img, err = jpeg.Decode(bytes.NewReader(b))
			}
			if err != nil {
				t.Fatal(err)
			}
			plain := image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
			draw.Draw(plain, plain.Rect, img, img.Bounds().Min, draw.Src)
			profile, err := containers.ICC(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			shrink := func(n *image.NRGBA) *image.NRGBA {
				small, err := fit(context.Background(), n, PreviewEdge)
				if err != nil {
					t.Fatal(err)
				}
				up := upright(small, tt.orient)
				data, err := encodeJPEG(up, (&Maker{}).quality())
				if err != nil {
					t.Fatal(err)
				}
				return toNRGBA(decoded(t, Output{Name: "reference", Data: data, Width: up.Rect.Dx(), Height: up.Rect.Dy(), MIME: "image/jpeg"}))
			}
			want := shrink(testfiles.VipsSRGB(t, plain, profile))
			d := testfiles.MeanAbsDiff(t, got, want)
			off := testfiles.MeanAbsDiff(t, shrink(plain), want)
			t.Logf("preview %v: mean |difference| per channel from vips %.2f, as decoded %.2f", got.Rect.Size(), d, off)
			for c := range 3 {
				if d[c] > maxDiff {
					t.Errorf("channel %d: %.2f from vips, want at most %v", c, d[c], maxDiff)
				}
			}
			if max(off[0], off[1], off[2]) < minOff {
				t.Errorf("as decoded only %.2f from vips: the picture does not show the conversion", off)
			}
		})
	}
}
