package metadata

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

// This file maps ExifTool's reading of ../shared/testdata
// (expected/exiftool.json, `exiftool -j -n -G1 -r`) to our fields. The
// mapping is what a user expects each field to mean, with the same MWG
// precedence the extractor documents; it is shared by the agreement test
// and the library comparison.

// testdata returns the shared test data folder: a failure under CI=true,
// a skip elsewhere, when it is missing.
func testdata(tb testing.TB) string { return testfiles.Dir(tb) }

// reference is ExifTool's reading of one file.
type reference map[string]any

func loadReference(tb testing.TB, td string) []reference {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(td, "expected", "exiftool.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var refs []reference
	if err := json.Unmarshal(b, &refs); err != nil {
		tb.Fatal(err)
	}
	return refs
}

// fields are the compared fields, in table order.
var fields = []string{"width", "height", "orientation", "taken_at", "make", "model", "lens",
	"exposure_time", "f_number", "iso", "focal_length", "gps_lat", "gps_lon", "gps_alt",
	"caption", "headline", "keywords", "creator", "copyright", "city", "country", "duration", "rotation"}

// refTime is an expected time; without an offset only the wall clock is
// compared.
type refTime struct {
	t         time.Time
	hasOffset bool
}

func (r reference) str(key string) (string, bool) {
	v, ok := r[key]
	if !ok {
		return "", false
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, strings.TrimSpace(fmt.Sprint(e)))
		}
		s = strings.Join(parts, "; ")
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	s = strings.TrimSpace(strings.Trim(s, "\x00 "))
	return s, s != ""
}

func (r reference) num(key string) (float64, bool) {
	switch x := r[key].(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.Fields(x + " x")[0], 64)
		return f, err == nil
	}
	return 0, false
}

// first returns the first key among keys with a non-blank value.
func (r reference) first(keys ...string) (string, string, bool) {
	for _, k := range keys {
		if s, ok := r.str(k); ok {
			return k, s, true
		}
	}
	return "", "", false
}

// mwg orders an XMP and an IPTC tag: XMP first unless the stored
// IPTCDigest no longer matches the IPTC block.
func (r reference) mwg(xmpKey, iptcKey string) []string {
	stored, ok1 := r.str("Photoshop:IPTCDigest")
	current, ok2 := r.str("File:CurrentIPTCDigest")
	if ok1 && ok2 && stored != current {
		return []string{iptcKey, xmpKey}
	}
	return []string{xmpKey, iptcKey}
}

// expected returns our fields as ExifTool reads them, and the ExifTool tag
// each came from.
func (r reference) expected(zone *time.Location) (map[string]any, map[string]string) {
	want, from := map[string]any{}, map[string]string{}
	setNum := func(field string, keys ...string) {
		for _, k := range keys {
			if f, ok := r.num(k); ok {
				want[field], from[field] = f, k
				return
			}
		}
	}
	setStr := func(field string, keys ...string) {
		if k, s, ok := r.first(keys...); ok {
			want[field], from[field] = s, k
		}
	}
	mime, _ := r.str("File:MIMEType")
	if size, ok := r.str("Composite:ImageSize"); ok {
		if wh := strings.Fields(size); len(wh) == 2 {
			w, _ := strconv.ParseFloat(wh[0], 64)
			h, _ := strconv.ParseFloat(wh[1], 64)
			want["width"], want["height"] = w, h
			from["width"], from["height"] = "Composite:ImageSize", "Composite:ImageSize"
		}
	}
	if o, ok := r.num("IFD0:Orientation"); ok && o >= 1 && o <= 8 {
		want["orientation"], from["orientation"] = o, "IFD0:Orientation"
	} else {
		setNum("orientation", "XMP-tiff:Orientation")
	}
	if t, k, ok := r.takenAt(zone); ok {
		want["taken_at"], from["taken_at"] = t, k
	}
	setStr("make", "IFD0:Make", "XMP-tiff:Make", "RIFF:Make")
	setStr("model", "IFD0:Model", "XMP-tiff:Model", "RIFF:Model")
	setStr("lens", "ExifIFD:LensModel", "XMP-exifEX:LensModel", "XMP-aux:Lens", "Canon:LensModel")
	setNum("exposure_time", "ExifIFD:ExposureTime", "XMP-exif:ExposureTime")
	setNum("f_number", "ExifIFD:FNumber", "XMP-exif:FNumber")
	setNum("iso", "ExifIFD:ISO", "IFD0:ISO", "XMP-exif:ISO")
	setNum("focal_length", "ExifIFD:FocalLength", "XMP-exif:FocalLength")
	setNum("gps_lat", "Composite:GPSLatitude")
	setNum("gps_lon", "Composite:GPSLongitude")
	setNum("gps_alt", "Composite:GPSAltitude")

	setStr("caption", append([]string{"IFD0:ImageDescription"}, r.mwg("XMP-dc:Description", "IPTC:Caption-Abstract")...)...)
	setStr("creator", append(append([]string{"IFD0:Artist"}, r.mwg("XMP-dc:Creator", "IPTC:By-line")...),
		"Keys:Artist", "ItemList:Artist", "UserData:Artist", "ID3v2_2:Artist", "ID3v2_3:Artist", "ID3v2_4:Artist", "ID3v1:Artist", "RIFF:Artist")...)
	setStr("copyright", append([]string{"IFD0:Copyright"}, r.mwg("XMP-dc:Rights", "IPTC:CopyrightNotice")...)...)
	setStr("headline", r.mwg("XMP-photoshop:Headline", "IPTC:Headline")...)
	setStr("city", r.mwg("XMP-photoshop:City", "IPTC:City")...)
	setStr("country", r.mwg("XMP-photoshop:Country", "IPTC:Country-PrimaryLocationName")...)
	for _, k := range r.mwg("XMP-dc:Subject", "IPTC:Keywords") {
		if kw := r.list(k); len(kw) > 0 {
			want["keywords"], from["keywords"] = kw, k
			break
		}
	}
	if strings.HasPrefix(mime, "video/") || strings.HasPrefix(mime, "audio/") {
		setNum("duration", "QuickTime:Duration", "Composite:Duration")
	}
	setNum("rotation", "Composite:Rotation", "QuickTime:Rotation")
	if from["rotation"] == "QuickTime:Rotation" && strings.HasPrefix(mime, "image/") {
		// ExifTool gives a HEIF's irot as the spec's anti-clockwise
		// angle; our rotation is clockwise for every kind, as for video
		// (the iPhone file's EXIF orientation 6 = 90° clockwise confirms).
		want["rotation"] = float64((360 - int(want["rotation"].(float64))) % 360)
	}
	return want, from
}

func (r reference) list(key string) []string {
	var out []string
	switch x := r[key].(type) {
	case []any:
		for _, e := range x {
			if s := strings.TrimSpace(fmt.Sprint(e)); s != "" {
				out = append(out, s)
			}
		}
	case nil:
	default:
		if s, ok := r.str(key); ok {
			out = []string{s}
		}
	}
	return out
}

// takenAt follows the extractor's documented order: EXIF original, XMP
// and IPTC creation dates, EXIF digitized, XMP create date, then the
// container (QuickTime times are UTC).
func (r reference) takenAt(zone *time.Location) (refTime, string, bool) {
	parse := func(s string, loc *time.Location) (refTime, bool) {
		t, ok := parseTime(s, loc)
		s = strings.TrimSpace(s)
		hasOff := len(s) > 10 && (strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > 10)
		return refTime{t, hasOff}, ok
	}
	if s, ok := r.str("Composite:SubSecDateTimeOriginal"); ok {
		if t, ok := parse(s, zone); ok {
			return t, "Composite:SubSecDateTimeOriginal", true
		}
	}
	if s, ok := r.str("ExifIFD:DateTimeOriginal"); ok {
		if off, ok := r.str("ExifIFD:OffsetTimeOriginal"); ok {
			s += off
		}
		if t, ok := parse(s, zone); ok {
			return t, "ExifIFD:DateTimeOriginal", true
		}
	}
	for _, k := range []string{"IFD0:DateTimeOriginal", "XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated"} {
		if s, ok := r.str(k); ok {
			if t, ok := parse(s, zone); ok {
				return t, k, true
			}
		}
	}
	if s, ok := r.str("IPTC:DateCreated"); ok {
		if tc, ok := r.str("IPTC:TimeCreated"); ok {
			s += " " + tc
		}
		if t, ok := parse(s, zone); ok {
			return t, "IPTC:DateCreated", true
		}
	}
	for _, k := range []string{"ExifIFD:CreateDate", "XMP-xmp:CreateDate"} {
		if s, ok := r.str(k); ok {
			if t, ok := parse(s, zone); ok {
				return t, k, true
			}
		}
	}
	if s, ok := r.str("QuickTime:CreateDate"); ok {
		if t, ok := parse(s, time.UTC); ok && t.t.Year() > 1904 {
			t.hasOffset = true // UTC by the QuickTime spec
			return t, "QuickTime:CreateDate", true
		}
	}
	if s, ok := r.str("RIFF:DateCreated"); ok {
		if tc, ok := r.str("RIFF:TimeCreated"); ok {
			s += " " + tc
		}
		if t, ok := parse(s, zone); ok {
			return t, "RIFF:DateCreated", true
		}
	}
	return refTime{}, "", false
}

// got returns our value of field, in the form expected uses: the record's
// field of that JSON name, whole numbers as float64.
func got(m assets.Metadata, field string) any {
	switch field {
	case "gps_lat", "gps_lon", "gps_alt":
		if m.GPS == nil {
			return nil
		}
		switch field {
		case "gps_lat":
			return m.GPS.Lat
		case "gps_lon":
			return m.GPS.Lon
		}
		if m.GPS.Alt == nil {
			return nil
		}
		return *m.GPS.Alt
	}
	v := reflect.ValueOf(m)
	for i := range v.NumField() {
		if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ","); name != field {
			continue
		}
		if f := v.Field(i); f.CanInt() {
			return float64(f.Int())
		}
		return v.Field(i).Interface()
	}
	return nil
}

// agree compares one field with its tolerance: exposure, aperture, focal
// length and duration 1% (duration at least 1 ms), GPS 1e-5 degrees and
// 0.01 m, times to the second.
func agree(field string, want, have any) bool {
	switch w := want.(type) {
	case float64:
		h, ok := have.(float64)
		if !ok {
			return false
		}
		switch field {
		case "exposure_time", "f_number", "focal_length":
			return math.Abs(h-w) <= 0.01*math.Abs(w)
		case "duration":
			return math.Abs(h-w) <= max(0.01*w, 0.001)
		case "gps_lat", "gps_lon":
			return math.Abs(h-w) <= 1e-5
		case "gps_alt":
			return math.Abs(h-w) <= 0.01
		}
		return h == w
	case string:
		h, _ := have.(string)
		return h == w
	case []string:
		h, _ := have.([]string)
		return slices.Equal(slices.Sorted(slices.Values(h)), slices.Sorted(slices.Values(w)))
	case refTime:
		h, _ := have.(*time.Time)
		if h == nil {
			return false
		}
		if w.hasOffset {
			return h.Truncate(time.Second).Equal(w.t.Truncate(time.Second))
		}
		const wall = "2006-01-02 15:04:05"
		return h.Format(wall) == w.t.Format(wall)
	}
	return false
}

func show(v any) string {
	switch x := v.(type) {
	case refTime:
		if x.hasOffset {
			return x.t.Format(time.RFC3339Nano)
		}
		return x.t.Format("2006-01-02T15:04:05.999") + " (wall)"
	case *time.Time:
		if x == nil {
			return "<none>"
		}
		return x.Format(time.RFC3339Nano)
	case nil:
		return "<none>"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// tally counts agreements per field.
type tally struct {
	agree, total map[string]int
	misses       []string
}

func newTally() *tally { return &tally{agree: map[string]int{}, total: map[string]int{}} }

func (t *tally) add(file string, m assets.Metadata, want map[string]any, from map[string]string) {
	for _, f := range fields {
		w, ok := want[f]
		if !ok {
			continue
		}
		t.total[f]++
		h := got(m, f)
		if agree(f, w, h) {
			t.agree[f]++
		} else {
			t.misses = append(t.misses, fmt.Sprintf("%s %s: want %s (%s), got %s", file, f, show(w), from[f], show(h)))
		}
	}
}

// table renders the per-field agreement as Markdown and returns the
// overall agreement.
func (t *tally) table() (string, float64) {
	var sb strings.Builder
	sb.WriteString("| field | agree | compared | % |\n|---|---:|---:|---:|\n")
	var a, n int
	for _, f := range fields {
		if t.total[f] == 0 {
			continue
		}
		a, n = a+t.agree[f], n+t.total[f]
		fmt.Fprintf(&sb, "| %s | %d | %d | %.1f |\n", f, t.agree[f], t.total[f], 100*float64(t.agree[f])/float64(t.total[f]))
	}
	overall := 100 * float64(a) / float64(max(n, 1))
	fmt.Fprintf(&sb, "| **all** | %d | %d | %.1f |\n", a, n, overall)
	return sb.String(), overall
}
