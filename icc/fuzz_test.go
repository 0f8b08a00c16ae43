package icc_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/containers"
	"mediabank/icc"
	"mediabank/internal/testfiles"
)

// tag is one tag of a made profile.
type tag struct {
	sig  string
	data []byte
}

// profile makes an ICC profile of colour space cs with tags, each tag's
// data after the table in order.
func profile(cs string, tags ...tag) []byte {
	b := make([]byte, 128)
	copy(b[16:], cs)
	copy(b[20:], "XYZ ")
	copy(b[36:], "acsp")
	b = binary.BigEndian.AppendUint32(b, uint32(len(tags)))
	off := 132 + 12*len(tags)
	var data []byte
	for _, t := range tags {
		b = append(b, t.sig...)
		b = binary.BigEndian.AppendUint32(b, uint32(off+len(data)))
		b = binary.BigEndian.AppendUint32(b, uint32(len(t.data)))
		data = append(data, t.data...)
	}
	b = append(b, data...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

func xyzTag(x, y, z float64) []byte {
	b := []byte("XYZ \x00\x00\x00\x00")
	for _, v := range []float64{x, y, z} {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(v*65536)))
	}
	return b
}

// curvTag is a sampled curve of the values given.
func curvTag(v ...uint16) []byte {
	b := binary.BigEndian.AppendUint32([]byte("curv\x00\x00\x00\x00"), uint32(len(v)))
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

// paraTag is a parametric curve of function type typ.
func paraTag(typ uint16, params ...float64) []byte {
	b := binary.BigEndian.AppendUint16([]byte("para\x00\x00\x00\x00"), typ)
	b = append(b, 0, 0)
	for _, v := range params {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(v*65536)))
	}
	return b
}

// matrixTRC is a matrix/TRC RGB profile with sRGB's colorants and the
// tone curve trc for all three channels.
func matrixTRC(trc []byte) []byte {
	return profile("RGB ",
		tag{"rXYZ", xyzTag(0.4361, 0.2225, 0.0139)}, tag{"gXYZ", xyzTag(0.3851, 0.7169, 0.0971)}, tag{"bXYZ", xyzTag(0.1431, 0.0606, 0.7141)},
		tag{"rTRC", trc}, tag{"gTRC", trc}, tag{"bTRC", trc})
}

func TestParseHostile(t *testing.T) {
	overrun := profile("RGB ", tag{"rXYZ", xyzTag(1, 1, 1)})
	binary.BigEndian.PutUint32(overrun[136:], 1<<30) // rXYZ's offset
	manyTags := profile("RGB ")
	binary.BigEndian.PutUint32(manyTags[128:], 1<<31)
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"short", []byte("acsp"), "shorter than a header"},
		{"no signature", make([]byte, 200), "no acsp"},
		{"tag count past the budget", manyTags, "over the budget"},
		{"tag outside the profile", overrun, "outside"},
		{"CMYK", profile("CMYK"), "colour space"},
		{"Lab connection space", func() []byte { p := matrixTRC(curvTag()); copy(p[20:], "Lab "); return p }(), "connection space"},
		{"LUT-based", profile("RGB ", tag{"A2B0", []byte("mft2\x00\x00\x00\x00")}), "LUT-based"},
		{"curve table past the budget", matrixTRC(binary.BigEndian.AppendUint32([]byte("curv\x00\x00\x00\x00"), 1<<20)), "over the budget"},
		{"curve table past its tag", matrixTRC(binary.BigEndian.AppendUint32([]byte("curv\x00\x00\x00\x00"), 100)), "overruns"},
		{"para of unknown type", matrixTRC(paraTag(9, 2.2)), "unknown"},
		{"para cut short", matrixTRC(paraTag(4, 2.4, 1)), "cut short"},
		{"curve of another type", matrixTRC([]byte("text\x00\x00\x00\x00abcd")), "tone curve of type"},
		{"curv table", matrixTRC(curvTag(0, 0x8000, 0xffff)), ""},
		{"para type 4", matrixTRC(paraTag(4, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045, 0, 0)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := icc.Parse(tt.data)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// TestCurves: each kind of tone curve, evaluated.
func TestCurves(t *testing.T) {
	tests := []struct {
		name string
		trc  []byte
		x    float64
		want float64
	}{
		{"identity curv", curvTag(), 0.5, 0.5},
		{"gamma curv", []byte("curv\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00"), 0.5, 0.25}, // u8Fixed8 2.0
		{"table curv", curvTag(0, 0x4000, 0xffff), 0.25, 0.125},
		{"para type 0", paraTag(0, 2), 0.5, 0.25},
		{"sRGB as para type 3, shadows", paraTag(3, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045), 0.02, 0.02 / 12.92},
		{"sRGB as para type 3, lights", paraTag(3, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045), 0.5, 0.21404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := icc.Parse(matrixTRC(tt.trc))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.TRC[0].Eval(tt.x); got-tt.want > 1e-3 || tt.want-got > 1e-3 {
				t.Errorf("Eval(%v) = %v, want %v", tt.x, got, tt.want)
			}
		})
	}
}

// sharedProfiles are the profiles of the shared camera files, by path;
// a file whose profile cannot be found is an error.
func sharedProfiles(tb testing.TB) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir(testfiles.Dir(tb), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "expected") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		raw, err := containers.ICC(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			tb.Errorf("profile of %s: %v", path, err)
		}
		if raw != nil {
			out[path] = raw
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, p := range sharedProfiles(f) {
		f.Add(p)
	}
	f.Add(matrixTRC(curvTag(0, 0x8000, 0xffff)))
	f.Add(matrixTRC(paraTag(4, 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045, 0, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := icc.Parse(data)
		if err != nil {
			return
		}
		img := image.NewNRGBA(image.Rect(0, 0, 256, 1))
		for v := range 256 {
			copy(img.Pix[4*v:], []byte{uint8(v), uint8(255 - v), uint8(v / 2), 255})
		}
		icc.ToSRGB(p).Apply(img)
	})
}
