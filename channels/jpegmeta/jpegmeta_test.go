package jpegmeta

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

func smallJPEG(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// strs is a tag ExifTool reports as one value or a list, as strings.
func strs(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

func TestWriteReadByExifTool(t *testing.T) {
	taken := time.Date(2026, 8, 17, 9, 15, 0, 0, time.FixedZone("WIB", 7*3600))
	alt := 12.5
	long := strings.Repeat("Pawai budaya di Jalan Daan Mogot, ", 80) // over IIM's 2000 bytes
	tests := []struct {
		name string
		f    Fields
		want map[string]string // tag -> value; "" means absent
	}{
		{
			name: "newsroom fields in IPTC and XMP, UTF-8",
			f: Fields{
				Caption: "Wali Kota meresmikan “Taman Cisadane” — café & <jalan>", Headline: "Peresmian taman",
				Creator: "Siti Rahayu", Credit: "Diskominfo Kota Tangerang", Copyright: "© 2026 Pemkot Tangerang",
				Keywords: []string{"taman", "Cisadane", "peresmian"}, Make: "NIKON", Model: "D750", TakenAt: &taken,
			},
			want: map[string]string{
				"IPTC:CodedCharacterSet":          "\x1b%G",
				"IPTC:Caption-Abstract":           "Wali Kota meresmikan “Taman Cisadane” — café & <jalan>",
				"XMP:XMP-dc:Description":          "Wali Kota meresmikan “Taman Cisadane” — café & <jalan>",
				"IPTC:Headline":                   "Peresmian taman",
				"XMP:XMP-photoshop:Headline":      "Peresmian taman",
				"IPTC:By-line":                    "Siti Rahayu",
				"XMP:XMP-dc:Creator":              "Siti Rahayu",
				"IPTC:Credit":                     "Diskominfo Kota Tangerang",
				"XMP:XMP-photoshop:Credit":        "Diskominfo Kota Tangerang",
				"IPTC:CopyrightNotice":            "© 2026 Pemkot Tangerang",
				"XMP:XMP-dc:Rights":               "© 2026 Pemkot Tangerang",
				"IPTC:Keywords":                   "taman|Cisadane|peresmian",
				"XMP:XMP-dc:Subject":              "taman|Cisadane|peresmian",
				"EXIF:IFD0:Make":                  "NIKON",
				"EXIF:IFD0:Model":                 "D750",
				"EXIF:IFD0:Orientation":           "1",
				"EXIF:ExifIFD:DateTimeOriginal":   "2026:08:17 09:15:00",
				"EXIF:ExifIFD:OffsetTimeOriginal": "+07:00",
				"EXIF:ExifIFD:ColorSpace":         "1",
				"EXIF:GPS:GPSLatitude":            "",
			},
		},
		{
			name: "GPS when asked, south and west",
			f:    Fields{GPS: &assets.GPS{Lat: -6.1783, Lon: -106.6319, Alt: &alt}},
			want: map[string]string{
				"EXIF:GPS:GPSLatitudeRef":  "S",
				"EXIF:GPS:GPSLatitude":     "6.1783",
				"EXIF:GPS:GPSLongitudeRef": "W",
				"EXIF:GPS:GPSLongitude":    "106.6319",
				"EXIF:GPS:GPSAltitude":     "12.5",
				"IPTC:Caption-Abstract":    "",
			},
		},
		{
			name: "IIM lengths in IPTC, the whole text in XMP",
			f:    Fields{Caption: long, Credit: "Dinas Komunikasi dan Informatika Kota Tangerang"},
			want: map[string]string{
				"IPTC:Caption-Abstract":    truncate(long, 2000),
				"XMP:XMP-dc:Description":   long,
				"IPTC:Credit":              "Dinas Komunikasi dan Informatika", // 32 bytes
				"XMP:XMP-photoshop:Credit": "Dinas Komunikasi dan Informatika Kota Tangerang",
			},
		},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Write(smallJPEG(t), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
				t.Fatalf("output does not decode: %v", err)
			}
			p := filepath.Join(dir, fmt.Sprintf("%d.jpg", i))
			if err := os.WriteFile(p, out, 0o644); err != nil {
				t.Fatal(err)
			}
			tags := testfiles.ExifTool(t, p)
			if w, ok := tags["ExifTool:Warning"]; ok {
				t.Errorf("ExifTool warns: %v", w)
			}
			for tag, want := range tt.want {
				got := strings.Join(strs(tags[tag]), "|")
				if got != want {
					t.Errorf("%s = %q, want %q", tag, got, want)
				}
			}
		})
	}
}

func TestWriteReplacesOldMetadata(t *testing.T) {
	once, err := Write(smallJPEG(t), Fields{Caption: "lama", Keywords: []string{"lama"}, GPS: &assets.GPS{Lat: 1, Lon: 2}})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := Write(once, Fields{Caption: "baru"})
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"lama", "GPS"} {
		if bytes.Contains(twice, []byte(old)) {
			t.Errorf("rewritten file still holds %q", old)
		}
	}
	if got, want := bytes.Count(twice, []byte("baru")), 2; got != want { // IPTC and XMP
		t.Errorf("caption written %d times, want %d", got, want)
	}
}

func TestWriteRefusesNonJPEG(t *testing.T) {
	good := smallJPEG(t)
	tests := map[string][]byte{
		"empty":         nil,
		"PNG":           []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"),
		"cut segment":   append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00}, make([]byte, 10)...),
		"no marker":     {0xFF, 0xD8, 0x00, 0x00, 0x00, 0x00},
		"truncated SOI": good[:3],
	}
	for name, in := range tests {
		if _, err := Write(in, Fields{Caption: "x"}); !errors.Is(err, ErrNotJPEG) {
			t.Errorf("%s: err = %v, want ErrNotJPEG", name, err)
		}
	}
}

func FuzzWrite(f *testing.F) {
	f.Add(smallJPEG(f), "caption")
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02, 0xFF, 0xDA}, "")
	f.Fuzz(func(t *testing.T, data []byte, caption string) {
		out, err := Write(data, Fields{Caption: caption, Keywords: []string{caption}})
		if err != nil {
			return
		}
		// What Write made, it must read again.
		if _, err := Write(out, Fields{}); err != nil {
			t.Fatalf("Write of its own output: %v", err)
		}
	})
}
