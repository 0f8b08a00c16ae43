package icc_test

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/gen2brain/heic"

	"mediabank/containers"
	"mediabank/icc"
	"mediabank/internal/testfiles"
)

// profileOf is the profile a shared camera file carries, parsed.
func profileOf(t *testing.T, path string) *icc.Profile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := containers.ICC(bytes.NewReader(b), int64(len(b)))
	if err != nil || raw == nil {
		t.Fatalf("profile of %s: %v (%d bytes)", path, err, len(raw))
	}
	p, err := icc.Parse(raw)
	if err != nil {
		t.Fatalf("profile of %s: %v", path, err)
	}
	return p
}

// The wants are ExifTool's ICC_Profile:ProfileDescription of each file
// (../shared/testdata/expected/exiftool.json).
func TestParse(t *testing.T) {
	dir := testfiles.Dir(t)
	tests := []struct {
		file     string
		desc     string
		identity bool // sRGB: nothing to do
	}{
		{"formats/ExifTool.jpg", "Adobe RGB (1998)", false},
		{"formats/Nikon.nef", "Nikon Adobe RGB 4.0.0.3000", false},
		{"formats/ExifTool.tif", "sRGB IEC61966-2.1", true},
		{"formats/XMP.jpg", "sRGB IEC61966-2.1", true},
		{"photos/jpg/orientation/landscape_3.jpg", "Generic RGB Profile", false},
		{"photos/heic/mobile/iphone_13_pro_max.HEIC", "Display P3", false},
		{"photos/tiff/Tless0.tiff", "Color LCD", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := profileOf(t, filepath.Join(dir, tt.file))
			if got := [2]any{p.Description, icc.ToSRGB(p) == nil}; got != [2]any{tt.desc, tt.identity} {
				t.Errorf("description, identity = %v, want %v", got, [2]any{tt.desc, tt.identity})
			}
		})
	}
}

// TestSharedProfiles reads every profile in the shared camera files: all
// are matrix/TRC RGB profiles, so none is left unconverted.
func TestSharedProfiles(t *testing.T) {
	counts := map[string]int{}
	for path, raw := range sharedProfiles(t) {
		if _, err := icc.Parse(raw); err != nil {
			counts["unsupported"]++
			t.Logf("%s: %v", path, err)
		} else {
			counts["matrix/TRC"]++
		}
	}
	t.Logf("profiles in the shared files: %v", counts)
	// 12 Generic RGB, 8 sRGB, 2 Color LCD, Adobe RGB, Nikon Adobe RGB, Display P3.
	if want := map[string]int{"matrix/TRC": 25}; counts["matrix/TRC"] != 25 || counts["unsupported"] != 0 {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

func TestFromEXIF(t *testing.T) {
	tests := []struct {
		colorSpace int
		interop    string
		want       string
	}{
		{0xFFFF, "R03", "Adobe RGB (1998)"},
		{0xFFFF, "R98", ""},
		{1, "R03", ""},
		{1, "R98", ""},
		{0, "", ""},
	}
	for _, tt := range tests {
		got := ""
		if p := icc.FromEXIF(tt.colorSpace, tt.interop); p != nil {
			got = p.Description
		}
		if got != tt.want {
			t.Errorf("FromEXIF(%#x, %q) = %q, want %q", tt.colorSpace, tt.interop, got, tt.want)
		}
	}
}

// TestAdobeRGBPublished: the Adobe RGB built from the published primaries
// matches the colorants of Adobe's own profile (ExifTool.jpg's), which are
// s15Fixed16 numbers, to their precision.
func TestAdobeRGBPublished(t *testing.T) {
	own := profileOf(t, filepath.Join(testfiles.Dir(t), "formats/ExifTool.jpg"))
	built := icc.AdobeRGB()
	for i := range 3 {
		for j := range 3 {
			if d := own.Matrix[i][j] - built.Matrix[i][j]; d > 2e-4 || d < -2e-4 {
				t.Errorf("matrix[%d][%d] = %.5f, Adobe's profile has %.5f", i, j, built.Matrix[i][j], own.Matrix[i][j])
			}
		}
	}
	if g, want := built.TRC[0].Params[0], own.TRC[0].Params[0]; g != want {
		t.Errorf("gamma %v, Adobe's profile has %v", g, want)
	}
}

// nrgba is img as NRGBA from the origin.
func nrgba(img image.Image) *image.NRGBA {
	n := image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(n, n.Rect, img, img.Bounds().Min, draw.Src)
	return n
}

// withProfile is the JPEG b with its APP2 profile replaced by p, in
// pieces of at most chunk bytes, given in the order of seqs (1-based).
func withProfile(t *testing.T, b, p []byte, chunk int, seqs ...int) []byte {
	t.Helper()
	var pieces [][]byte
	for len(p) > 0 {
		n := min(chunk, len(p))
		pieces = append(pieces, p[:n])
		p = p[n:]
	}
	out := []byte{0xFF, 0xD8}
	for _, s := range seqs {
		seg := append([]byte("ICC_PROFILE\x00"), byte(s), byte(len(pieces)))
		seg = append(seg, pieces[s-1]...)
		out = append(out, 0xFF, 0xE2, byte((len(seg)+2)>>8), byte(len(seg)+2))
		out = append(out, seg...)
	}
	r := bytes.NewReader(b)
	off := int64(2)
	err := containers.JPEGSegments(r, 0, int64(len(b)), func(s containers.Segment) error {
		if _, ok := s.ICCChunk(r); !ok {
			out = append(out, b[s.Off-4:s.Off+s.N]...)
		}
		off = s.Off + s.N
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, b[off:]...)
}

// TestAgainstVips converts real pictures to sRGB and compares them with
// libvips' conversion of the same decoded pixels from the same profile
// (lcms, relative colorimetric): the mean absolute difference per channel
// is to be at most maxDiff code values, and without the conversion at
// least minOff in some channel (so that the test can fail). JPEGs are
// decoded with image/jpeg and HEIC with gen2brain/heic, as package
// renditions decodes them.
func TestAgainstVips(t *testing.T) {
	const maxDiff, minOff = 0.25, 3.0
	dir := testfiles.Dir(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	exiftool := read("formats/ExifTool.jpg")
	adobe, err := containers.ICC(bytes.NewReader(exiftool), int64(len(exiftool)))
	if err != nil {
		t.Fatal(err)
	}
	// A camera set to Adobe RGB: EXIF uncalibrated with index R03, no
	// profile. This Olympus says R98; the same bytes with R03 are one.
	olympus := read("photos/jpg/Olympus_C8080WZ.jpg")
	if bytes.Count(olympus, []byte("R98\x00")) != 1 {
		t.Fatal("Olympus_C8080WZ.jpg: want one InteropIndex R98")
	}
	tests := []struct {
		name string
		file []byte
		heic bool
		want string // the profile found
	}{
		// A photo with Adobe's own Adobe RGB (1998) profile (ExifTool.jpg's,
		// whose picture is plain white), in three APP2 pieces out of order.
		{"Adobe RGB JPEG", withProfile(t, read("photos/jpg/orientation/landscape_3.jpg"), adobe, 200, 3, 1, 2), false, "Adobe RGB (1998)"},
		{"Generic RGB JPEG", read("photos/jpg/orientation/landscape_3.jpg"), false, "Generic RGB Profile"},
		{"Display P3 HEIC", read("photos/heic/mobile/iphone_13_pro_max.HEIC"), true, "Display P3"},
		{"Adobe RGB by EXIF R03", bytes.Replace(olympus, []byte("R98\x00"), []byte("R03\x00"), 1), false, "Adobe RGB (1998)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var img image.Image
			var err error
			if tt.heic {
				img, err = heic.Decode(bytes.NewReader(tt.file))
			} else {
				img, err = jpeg.Decode(bytes.NewReader(tt.file))
			}
			if err != nil {
				t.Fatal(err)
			}
			p, raw := sourceProfile(t, tt.file)
			if p == nil || p.Description != tt.want {
				t.Fatalf("profile %+v, want %q", p, tt.want)
			}
			if raw == nil { // implied by EXIF: vips is given Adobe's own
				raw = adobe
			}
			tr := icc.ToSRGB(p)
			if tr == nil {
				t.Fatalf("%s taken for sRGB", p.Description)
			}
			plain := nrgba(img)
			want := testfiles.VipsSRGB(t, plain, raw)
			off := testfiles.MeanAbsDiff(t, plain, want)
			tr.Apply(plain)
			got := testfiles.MeanAbsDiff(t, plain, want)
			t.Logf("%s: mean |difference| from vips per channel %.2f converted, %.2f as decoded", p.Description, got, off)
			for c := range 3 {
				if got[c] > maxDiff {
					t.Errorf("channel %d: converted %.2f from vips, want at most %v", c, got[c], maxDiff)
				}
			}
			if max(off[0], off[1], off[2]) < minOff {
				t.Errorf("as decoded only %.2f from vips: the picture does not show the conversion", off)
			}
		})
	}
}

// sourceProfile is the profile of the file b and its bytes: its own, else
// the one its EXIF implies (with no bytes).
func sourceProfile(t *testing.T, b []byte) (*icc.Profile, []byte) {
	r := bytes.NewReader(b)
	raw, err := containers.ICC(r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	if raw != nil {
		p, err := icc.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return p, raw
	}
	var p *icc.Profile
	_ = containers.JPEGSegments(r, 0, r.Size(), func(s containers.Segment) error {
		if tf, err := s.EXIF(r); err == nil {
			if ifd0, err := tf.IFD(tf.First); err == nil {
				c := tf.ExifColour(ifd0)
				p = icc.FromEXIF(c.ColorSpace, c.Interop)
			}
		}
		return nil
	})
	return p, nil
}
