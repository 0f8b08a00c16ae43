package containers

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"mediabank/icc"
)

// The wants are ExifTool's ICC_Profile:ProfileDescription of each file
// (../shared/testdata/expected/exiftool.json), and no profile where it
// reads none.
func TestICC(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"formats/ExifTool.jpg", "Adobe RGB (1998)"},                      // JPEG APP2
		{"formats/Nikon.nef", "Nikon Adobe RGB 4.0.0.3000"},               // TIFF 34675 in a RAW
		{"photos/tiff/Tless0.tiff", "Color LCD"},                          // TIFF 34675
		{"photos/heic/mobile/iphone_13_pro_max.HEIC", "Display P3"},       // HEIF colr prof
		{"photos/jpg/orientation/landscape_3.jpg", "Generic RGB Profile"}, // JPEG APP2
		{"formats/Canon1DmkIII.jpg", ""},                                  // sRGB by EXIF
		{"formats/QuickTime.heic", ""},                                    // no colr
		{"formats/PNG.png", ""},                                           // no iCCP
		{"formats/FujiFilm.raf", ""},                                      // the JPEG inside has none
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := open(t, tt.file)
			raw, err := ICC(r, r.Size())
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if raw != nil {
				p, err := icc.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				got = p.Description
			}
			if got != tt.want {
				t.Errorf("profile %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAssembleICC(t *testing.T) {
	// The pieces' bytes lie one after another in a file, each as long as
	// its data.
	var file []byte
	c := func(seq, count int, data string) ICCChunk {
		file = append(file, data...)
		return ICCChunk{seq, count, Span{int64(len(file) - len(data)), int64(len(data))}}
	}
	tests := []struct {
		name    string
		chunks  []ICCChunk
		want    string
		wantErr string
	}{
		{"none", nil, "", ""},
		{"one", []ICCChunk{c(1, 1, "abc")}, "abc", ""},
		{"in order", []ICCChunk{c(1, 3, "a"), c(2, 3, "b"), c(3, 3, "c")}, "abc", ""},
		{"out of order", []ICCChunk{c(3, 3, "c"), c(1, 3, "a"), c(2, 3, "b")}, "abc", ""},
		{"missing piece", []ICCChunk{c(1, 3, "a"), c(3, 3, "c")}, "", "2 pieces"},
		{"piece twice", []ICCChunk{c(1, 2, "a"), c(1, 2, "a")}, "", "where 2 of 2"},
		{"counts disagree", []ICCChunk{c(1, 2, "a"), c(2, 3, "b")}, "", "2 of 3"},
		{"sequence from 0", []ICCChunk{c(0, 1, "a")}, "", "0 of 1"},
		{"count 0", []ICCChunk{c(0, 0, "a")}, "", "says 0"},
		{"over the budget, before reading", []ICCChunk{{1, 2, Span{0, icc.MaxSize}}, {2, 2, Span{0, 1}}}, "", "over"},
		{"past the end of the file", []ICCChunk{{1, 1, Span{0, 1 << 20}}}, "", "cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AssembleICC(bytes.NewReader(file), tt.chunks)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			case string(got) != tt.want:
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// withChunk is the PNG b with a chunk added after IHDR.
func withChunk(b []byte, typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	ihdrEnd := 8 + 12 + 13
	return append(append(append([]byte(nil), b[:ihdrEnd]...), c...), b[ihdrEnd:]...)
}

// iccp is an iCCP chunk's data: a name, deflate, the zlib stream of p.
func iccp(p []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(p)
	zw.Close()
	return append([]byte("ICC Profile\x00\x00"), z.Bytes()...)
}

func TestPNGICC(t *testing.T) {
	base := open(t, "formats/PNG.png")
	png := make([]byte, base.Size())
	base.ReadAt(png, 0)
	adobe := open(t, "formats/ExifTool.jpg")
	profile, err := JPEGICC(adobe, 0, adobe.Size())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		want    []byte
		wantErr string
	}{
		{"iCCP", withChunk(png, "iCCP", iccp(profile)), profile, ""},
		{"sRGB chunk", withChunk(png, "sRGB", []byte{0}), nil, ""},
		{"inflates past the budget", withChunk(png, "iCCP", iccp(make([]byte, icc.MaxSize+1))), nil, "inflates to over"},
		{"no name", withChunk(png, "iCCP", []byte("\x00\x00x")), nil, "without a name"},
		{"bad zlib", withChunk(png, "iCCP", []byte("n\x00\x00garbage")), nil, "iCCP"},
		{"chunk past the end", withChunk(png, "iCCP", iccp(profile))[:8+12+13+20], nil, "overruns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(tt.data)
			got, err := ICC(r, r.Size())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			case !bytes.Equal(got, tt.want):
				t.Errorf("got %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

func TestExifColour(t *testing.T) {
	tests := []struct {
		file string
		want ExifColour
	}{
		{"photos/jpg/Olympus_C8080WZ.jpg", ExifColour{0xFFFF, "R98"}}, // ExifIFD:ColorSpace, InteropIFD:InteropIndex
		{"formats/Canon1DmkIII.jpg", ExifColour{1, "R98"}},
		{"formats/ExifTool.jpg", ExifColour{1, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := open(t, tt.file)
			var got ExifColour
			err := JPEGSegments(r, 0, r.Size(), func(s Segment) error {
				if tf, err := s.EXIF(r); err == nil {
					ifd0, err := tf.IFD(tf.First)
					if err != nil {
						return err
					}
					got = tf.ExifColour(ifd0)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
