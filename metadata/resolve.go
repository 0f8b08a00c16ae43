package metadata

import (
	"math"
	"strconv"
	"strings"
	"time"

	"mediabank/assets"
)

// resolve turns the tags read from a file into Metadata, choosing between
// EXIF, IPTC, XMP and container values with one documented precedence
// (docs/metadata.md), and names the tag each value came from.
//
// Dates and camera fields: EXIF first, then XMP, then IPTC, then the
// container (MWG guidelines 2.0 for JPEG/TIFF). Description, creator and
// copyright: a non-blank EXIF value wins; otherwise XMP wins over IPTC
// unless the Photoshop IPTCDigest shows that IPTC was edited after XMP was
// written. Headline, keywords, city and country follow the XMP/IPTC rule.
func resolve(p props, k assets.Kind, zone *time.Location) assets.Metadata {
	r := resolver{p: p, m: assets.Metadata{Sources: map[string]string{}}}
	r.camera()
	r.geometry(k)
	r.m.GPS = resolveGPS(p, r.src)
	r.m.TakenAt = resolveTime(p, zone, r.src)
	r.newsroom()
	if len(r.m.Sources) == 0 {
		r.m.Sources = nil
	}
	return r.m
}

// resolver fills m from p, noting in m.Sources which key gave each field.
type resolver struct {
	p props
	m assets.Metadata
}

func (r *resolver) src(field, key string) { r.m.Sources[field] = key }

// str is the first non-empty text among keys.
func (r *resolver) str(field string, keys ...string) string {
	for _, key := range keys {
		if s := text(r.p[key]); s != "" {
			r.src(field, key)
			return s
		}
	}
	return ""
}

// number is the first positive number among keys.
func (r *resolver) number(field string, keys ...string) float64 {
	for _, key := range keys {
		if f, ok := num(r.p[key]); ok && f > 0 {
			r.src(field, key)
			return f
		}
	}
	return 0
}

// camera: make, model, lens and exposure.
func (r *resolver) camera() {
	m := &r.m
	m.Make = r.str("make", "IFD0:Make", "XMP-tiff:Make", "Keys:Make", "RIFF:Make")
	m.Model = r.str("model", "IFD0:Model", "XMP-tiff:Model", "Keys:Model", "RIFF:Model")
	m.Lens = r.str("lens", "ExifIFD:LensModel", "XMP-exifEX:LensModel", "XMP-aux:Lens")
	m.ExposureTime = r.number("exposure_time", "ExifIFD:ExposureTime", "XMP-exif:ExposureTime")
	m.FNumber = r.number("f_number", "ExifIFD:FNumber", "XMP-exif:FNumber")
	m.ISO = int(math.Round(r.number("iso", "ExifIFD:ISO", "IFD0:ISO", "XMP-exif:ISOSpeedRatings", "XMP-exifEX:PhotographicSensitivity")))
	m.FocalLength = r.number("focal_length", "ExifIFD:FocalLength", "XMP-exif:FocalLength")
}

// geometry: orientation, pixel size, rotation, and the duration of video and audio.
func (r *resolver) geometry(k assets.Kind) {
	p, m := r.p, &r.m
	for _, key := range []string{"IFD0:Orientation", "XMP-tiff:Orientation"} {
		if o, ok := num(p[key]); ok && o >= 1 && o <= 8 {
			m.Orientation = int(o)
			r.src("orientation", key)
			break
		}
	}
	for _, key := range [][2]string{
		{"RAF:ImageWidth", "RAF:ImageHeight"}, {"PanasonicRaw:ImageWidth", "PanasonicRaw:ImageHeight"},
		{"HEIF:ImageWidth", "HEIF:ImageHeight"},
		{"Track:ImageWidth", "Track:ImageHeight"}, {"FFprobe:ImageWidth", "FFprobe:ImageHeight"},
		{"File:ImageWidth", "File:ImageHeight"}, {"JPEG:ImageWidth", "JPEG:ImageHeight"},
		{"IFD0:ImageWidth", "IFD0:ImageHeight"}, {"ExifIFD:ExifImageWidth", "ExifIFD:ExifImageHeight"},
		{"XMP-tiff:ImageWidth", "XMP-tiff:ImageLength"}, {"XMP-exif:PixelXDimension", "XMP-exif:PixelYDimension"},
	} {
		w, _ := num(p[key[0]])
		h, _ := num(p[key[1]])
		if w > 0 && h > 0 && w <= math.MaxInt32 && h <= math.MaxInt32 {
			m.Width, m.Height = int(w), int(h)
			r.src("width", key[0])
			r.src("height", key[1])
			break
		}
	}
	if k == assets.KindVideo || k == assets.KindAudio {
		m.Duration = r.number("duration", "QuickTime:Duration", "RIFF:Duration", "MPEG:Duration", "FFprobe:Duration")
	}
	for _, key := range []string{"Track:Rotation", "HEIF:Rotation", "FFprobe:Rotation"} {
		if rot, ok := num(p[key]); ok {
			m.Rotation = int(rot)
			r.src("rotation", key)
			break
		}
	}
}

// newsroom: caption, creator, copyright, headline, place and keywords,
// reconciling IPTC and XMP as the Metadata Working Group says.
func (r *resolver) newsroom() {
	p, m := r.p, &r.m
	stale, _ := p["Photoshop:IPTCDigestStale"].(bool)
	xmpOrIPTC := func(xmpKey, iptcKey string) []string {
		if stale {
			return []string{iptcKey, xmpKey}
		}
		return []string{xmpKey, iptcKey}
	}
	m.Caption = r.str("caption", append([]string{"IFD0:ImageDescription"}, xmpOrIPTC("XMP-dc:description", "IPTC:Caption-Abstract")...)...)
	m.Creator = r.str("creator", append(append([]string{"IFD0:Artist"}, xmpOrIPTC("XMP-dc:creator", "IPTC:By-line")...),
		"Keys:Artist", "ItemList:Artist", "UserData:Artist", "ID3v2:Artist", "ID3v1:Artist", "RIFF:Artist")...)
	m.Copyright = r.str("copyright", append([]string{"IFD0:Copyright"}, append(xmpOrIPTC("XMP-dc:rights", "IPTC:CopyrightNotice"), "RIFF:Copyright")...)...)
	m.Headline = r.str("headline", xmpOrIPTC("XMP-photoshop:Headline", "IPTC:Headline")...)
	m.City = r.str("city", xmpOrIPTC("XMP-photoshop:City", "IPTC:City")...)
	m.Country = r.str("country", xmpOrIPTC("XMP-photoshop:Country", "IPTC:Country-PrimaryLocationName")...)
	for _, key := range xmpOrIPTC("XMP-dc:subject", "IPTC:Keywords") {
		if kw := list(p[key]); len(kw) > 0 {
			m.Keywords = kw
			r.src("keywords", key)
			break
		}
	}
}

// gpsAt is the position at lat, lon with the altitude found in the group
// of prefix (EXIF's "GPS:" and XMP's "XMP-exif:" name the tags alike).
func gpsAt(p props, prefix string, lat, lon float64, src func(field, key string)) *assets.GPS {
	g := &assets.GPS{Lat: lat, Lon: lon}
	if alt, ok := num(p[prefix+"GPSAltitude"]); ok {
		if ref, _ := num(p[prefix+"GPSAltitudeRef"]); ref == 1 {
			alt = -alt
		}
		g.Alt = &alt
	}
	src("gps", prefix+"GPSLatitude")
	return validGPS(g)
}

// resolveGPS takes the position from EXIF, then XMP, then the QuickTime
// containers.
func resolveGPS(p props, src func(field, key string)) *assets.GPS {
	lat, okLat := num(p["GPS:GPSLatitude"])
	lon, okLon := num(p["GPS:GPSLongitude"])
	if okLat && okLon {
		if text(p["GPS:GPSLatitudeRef"]) == "S" {
			lat = -lat
		}
		if text(p["GPS:GPSLongitudeRef"]) == "W" {
			lon = -lon
		}
		return gpsAt(p, "GPS:", lat, lon, src)
	}
	if lat, ok := xmpCoord(text(p["XMP-exif:GPSLatitude"])); ok {
		if lon, ok := xmpCoord(text(p["XMP-exif:GPSLongitude"])); ok {
			return gpsAt(p, "XMP-exif:", lat, lon, src)
		}
	}
	var g *assets.GPS
	for _, key := range []string{"Keys:GPSCoordinates", "UserData:GPSCoordinates", "UserData:LocationInformation", "FFprobe:Location"} {
		c, ok := p[key].([]float64)
		if !ok || len(c) < 2 {
			continue
		}
		if g == nil {
			g = &assets.GPS{Lat: c[0], Lon: c[1]}
			src("gps", key)
		}
		// ISO 6709 strings often omit the altitude that the 3GPP loci
		// box of the same file gives.
		if g.Alt == nil && len(c) >= 3 {
			g.Alt = &c[2]
		}
	}
	if g == nil {
		return nil
	}
	return validGPS(g)
}

// validGPS drops positions outside the globe, which broken writers leave.
func validGPS(g *assets.GPS) *assets.GPS {
	if math.Abs(g.Lat) > 90 || math.Abs(g.Lon) > 180 {
		return nil
	}
	return g
}

// xmpCoord parses XMP's "DDD,MM.mmmN" or "DDD,MM,SSN" coordinates.
func xmpCoord(s string) (float64, bool) {
	if len(s) < 2 {
		return 0, false
	}
	ref := s[len(s)-1]
	parts := strings.Split(s[:len(s)-1], ",")
	var v float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(part, 64)
		if err != nil || i > 2 {
			return 0, false
		}
		v += f / math.Pow(60, float64(i))
	}
	if ref == 'S' || ref == 'W' {
		v = -v
	}
	return v, true
}

// resolveTime picks the capture time: EXIF DateTimeOriginal (with its
// sub-seconds and offset), XMP and IPTC creation dates, EXIF CreateDate,
// then the container's creation time. A modification date is never used.
// Times without an offset are read in zone.
func resolveTime(p props, zone *time.Location, src func(field, key string)) *time.Time {
	exifTime := func(dt, sub, off string) (time.Time, bool) {
		s := text(p[dt])
		if s == "" {
			return time.Time{}, false
		}
		loc := zone
		if o := text(p[off]); o != "" {
			if t, err := time.Parse("-07:00", o); err == nil {
				loc = t.Location()
			}
		}
		t, ok := parseTime(s, loc)
		if !ok {
			return t, false
		}
		if ss := text(p[sub]); ss != "" && len(ss) <= 9 {
			if n, err := strconv.Atoi(ss); err == nil && n >= 0 {
				t = t.Add(time.Duration(float64(n) * math.Pow10(9-len(ss))))
			}
		}
		return t, true
	}
	// try("key")(t, ok) keeps the value of tag key if it parsed.
	try := func(key string) func(time.Time, bool) *time.Time {
		return func(t time.Time, ok bool) *time.Time {
			if !ok || t.Year() < 1800 {
				return nil
			}
			src("taken_at", key)
			return &t
		}
	}
	if t := try("ExifIFD:DateTimeOriginal")(exifTime("ExifIFD:DateTimeOriginal", "ExifIFD:SubSecTimeOriginal", "ExifIFD:OffsetTimeOriginal")); t != nil {
		return t
	}
	if t := try("IFD0:DateTimeOriginal")(exifTime("IFD0:DateTimeOriginal", "", "")); t != nil {
		return t
	}
	for _, key := range []string{"XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated"} {
		if t := try(key)(parseTime(text(p[key]), zone)); t != nil {
			return t
		}
	}
	if d := text(p["IPTC:DateCreated"]); d != "" {
		if tc := text(p["IPTC:TimeCreated"]); tc != "" {
			d += " " + tc
		}
		if t := try("IPTC:DateCreated")(parseTime(d, zone)); t != nil {
			return t
		}
	}
	if t := try("ExifIFD:CreateDate")(exifTime("ExifIFD:CreateDate", "ExifIFD:SubSecTimeDigitized", "ExifIFD:OffsetTimeDigitized")); t != nil {
		return t
	}
	if t := try("XMP-xmp:CreateDate")(parseTime(text(p["XMP-xmp:CreateDate"]), zone)); t != nil {
		return t
	}
	for _, key := range []string{"Keys:CreationDate", "QuickTime:CreateDate", "FFprobe:CreationTime"} {
		if t, ok := p[key].(time.Time); ok {
			return try(key)(t, true)
		}
	}
	if d := text(p["RIFF:DateCreated"]); d != "" {
		if tc := text(p["RIFF:TimeCreated"]); tc != "" {
			d += " " + tc
		}
		return try("RIFF:DateCreated")(parseTime(d, zone))
	}
	return nil
}

// timeLayouts are the date forms of EXIF, IPTC, XMP (ISO 8601) and RIFF,
// with the separators normalised to "2006-01-02 15:04:05".
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02 150405Z0700",
	"2006-01-02 150405",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseTime parses a date in any of timeLayouts; a time without an offset
// is read in loc (UTC when loc is nil).
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(strings.Trim(s, "\x00"))
	if len(s) < 4 {
		return time.Time{}, false
	}
	// "2006:01:02 15:04:05" → "2006-01-02 15:04:05"; ISO "T" → " ".
	b := []byte(s)
	for _, i := range []int{4, 7} {
		if i < len(b) && b[i] == ':' {
			b[i] = '-'
		}
	}
	if len(b) > 10 && (b[10] == 'T' || b[10] == 't') {
		b[10] = ' '
	}
	s = string(b)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
