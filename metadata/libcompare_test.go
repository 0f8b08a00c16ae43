//go:build libcompare

package metadata

// The library comparison behind the choice of bep/imagemeta, run with
//
//	go test -tags libcompare -run TestCompareLibraries -v ./metadata/
//
// Each candidate reads every photo of ../shared/testdata (HEIC, JPEG,
// TIFF, PNG, WebP, RAW); its output is mapped to our fields as directly as
// its API allows and compared with ExifTool like TestAgreement does.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bep "github.com/bep/imagemeta"
	dsexif "github.com/dsoprea/go-exif/v3"
	dscommon "github.com/dsoprea/go-exif/v3/common"
	evan "github.com/evanoberholster/imagemeta"

	"mediabank/assets"
	"mediabank/containers"
	"mediabank/internal/office"
)

type candidate struct {
	name string
	read func(b []byte, f containers.Format, zone *time.Location) (assets.Metadata, error)
}

var candidates = []candidate{
	{"bep/imagemeta v1.0.1", func(b []byte, f containers.Format, zone *time.Location) (assets.Metadata, error) {
		imf, ok := map[containers.Format]bep.ImageFormat{containers.JPEG: bep.JPEG, containers.PNG: bep.PNG, containers.WebP: bep.WebP, containers.TIFF: bep.TIFF,
			containers.HEIC: bep.HEIF, containers.HEIF: bep.HEIF, containers.CR2: bep.CR2, containers.NEF: bep.NEF, containers.DNG: bep.DNG, containers.ARW: bep.ARW}[f]
		if !ok {
			return assets.Metadata{}, fmt.Errorf("format %s not supported", f.name)
		}
		p := props{}
		w, h, err := readImageTags(bytes.NewReader(b), imf, allSources, p, func(string) {})
		p["File:ImageWidth"], p["File:ImageHeight"] = w, h
		return resolve(p, kindOf(f), zone), err
	}},
	{"evanoberholster/imagemeta v0.3.1", func(b []byte, f containers.Format, zone *time.Location) (assets.Metadata, error) {
		x, err := evan.Decode(bytes.NewReader(b))
		m := assets.Metadata{Make: x.Make, Model: x.Model, Lens: x.LensModel, ExposureTime: float64(x.ExposureTime),
			FNumber: float64(x.FNumber), ISO: int(x.ISOSpeed), FocalLength: float64(x.FocalLength), Orientation: int(x.Orientation),
			Width: int(x.ImageWidth), Height: int(x.ImageHeight), Caption: cleanText(x.ImageDescription), Creator: cleanText(x.Artist), Copyright: cleanText(x.Copyright)}
		if m.ISO == 0 {
			m.ISO = int(x.ISO)
		}
		if t := x.DateTimeOriginal(); !t.IsZero() {
			// The library reads times in UTC; only the wall clock is meaningful.
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone)
			m.TakenAt = &t
		}
		if lat, lon := x.GPS.Latitude(), x.GPS.Longitude(); lat != 0 || lon != 0 {
			alt := float64(x.GPS.Altitude())
			m.GPS = &assets.GPS{Lat: lat, Lon: lon, Alt: &alt}
		}
		return m, err
	}},
	{"dsoprea/go-exif v3.0.1", func(b []byte, f containers.Format, zone *time.Location) (assets.Metadata, error) {
		raw, err := dsexif.SearchAndExtractExif(b)
		if err != nil {
			return assets.Metadata{}, err
		}
		tags, _, err := dsexif.GetFlatExifData(raw, nil)
		p := props{}
		for _, t := range tags {
			group := map[string]string{"IFD": "IFD0", "IFD/Exif": "ExifIFD", "IFD/GPSInfo": "GPS"}[t.IfdPath]
			if group == "" {
				continue
			}
			p.setDefault(group+":"+dsName(t.TagName), dsValue(t.Value))
		}
		return resolve(p, kindOf(f), zone), err
	}},
}

// dsName maps go-exif's EXIF-spec tag names to ExifTool's.
func dsName(n string) string {
	switch n {
	case "DateTimeDigitized":
		return "CreateDate"
	case "ISOSpeedRatings":
		return "ISO"
	case "PixelXDimension":
		return "ExifImageWidth"
	case "PixelYDimension":
		return "ExifImageHeight"
	}
	return n
}

// dsValue converts go-exif values: rationals to floats, DMS triples to
// degrees, one-element slices to their element.
func dsValue(v any) any {
	rat := func(r dscommon.Rational) float64 {
		if r.Denominator == 0 {
			return 0
		}
		return float64(r.Numerator) / float64(r.Denominator)
	}
	switch x := v.(type) {
	case []dscommon.Rational:
		if len(x) == 3 {
			return rat(x[0]) + rat(x[1])/60 + rat(x[2])/3600
		}
		if len(x) > 0 {
			return rat(x[0])
		}
	case []dscommon.SignedRational:
		if len(x) > 0 && x[0].Denominator != 0 {
			return float64(x[0].Numerator) / float64(x[0].Denominator)
		}
	case []uint16:
		if len(x) > 0 {
			return x[0]
		}
	case []uint32:
		if len(x) > 0 {
			return x[0]
		}
	case []byte:
		if len(x) > 0 {
			return x[0]
		}
	}
	return v
}

func TestCompareLibraries(t *testing.T) {
	td := testdata(t)
	zone := office.Zone()
	var sb strings.Builder
	for _, c := range candidates {
		tl := newTally()
		var files, failed, panics int
		var elapsed time.Duration
		for _, ref := range loadReference(t, td) {
			name, _ := ref.str("SourceFile")
			mime, _ := ref.str("File:MIMEType")
			if !strings.HasPrefix(mime, "image/") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(td, name))
			if err != nil {
				t.Fatal(err)
			}
			f, _ := containers.Sniff(b[:min(len(b), containers.SniffLen)], assets.Ext(name))
			files++
			start := time.Now()
			m, err := func() (m assets.Metadata, err error) {
				defer func() {
					if r := recover(); r != nil {
						panics++
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				return c.read(b, f, zone)
			}()
			elapsed += time.Since(start)
			if err != nil {
				failed++
			}
			want, from := ref.expected(zone)
			delete(want, "rotation") // container-level, not EXIF
			tl.add(name, m, want, from)
		}
		table, overall := tl.table()
		fmt.Fprintf(&sb, "\n### %s\n\n%d photos, %d returned an error, %d panicked, %.0f µs/file; overall %.1f%%\n\n%s",
			c.name, files, failed, panics, float64(elapsed.Microseconds())/float64(files), overall, table)
	}
	t.Log(sb.String())
}
