// Package jpegmeta writes the newsroom fields into a JPEG the bank sends
// out: IPTC-IIM (APP13, in UTF-8), XMP (APP1) and a fresh minimal EXIF
// (APP1). What the camera wrote is not carried over, so serial numbers,
// maker notes and anything else private never leave with the file; GPS
// is written only when the caller passes it.
package jpegmeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"mediabank/assets"
	"mediabank/containers"
)

// Fields is what Write puts into the file. Empty values are left out.
type Fields struct {
	Caption, Headline, Creator, Credit, Copyright string
	Keywords                                      []string
	Make, Model                                   string
	TakenAt                                       *time.Time
	GPS                                           *assets.GPS
}

// ErrNotJPEG marks input that is not a JPEG Write can rewrite.
var ErrNotJPEG = errors.New("not a JPEG")

// maxSegment is the most a JPEG marker segment carries after its length.
const maxSegment = 0xFFFF - 2

// Write returns jpeg with its EXIF, XMP and IPTC segments (every APP1 and
// APP13) replaced by ones holding f. Other segments before the image data
// (JFIF, ICC profile, Adobe) are kept.
func Write(jpeg []byte, f Fields) ([]byte, error) {
	kept, rest, err := split(jpeg)
	if err != nil {
		return nil, err
	}
	segs := []struct {
		marker byte
		data   []byte
		what   string
	}{
		{0xE1, exifSegment(f), "EXIF"},
		{0xE1, xmpSegment(f), "XMP"},
		{0xED, iptcSegment(f), "IPTC"},
	}
	out := make([]byte, 0, len(jpeg)+8<<10)
	out = append(out, 0xFF, 0xD8)
	// JFIF wants its APP0 straight after SOI.
	if len(kept) > 0 && kept[0].marker == 0xE0 {
		out = appendSegment(out, kept[0].marker, kept[0].data)
		kept = kept[1:]
	}
	for _, s := range segs {
		if s.data == nil {
			continue
		}
		if len(s.data) > maxSegment {
			return nil, fmt.Errorf("write %s: %d bytes, over the %d a JPEG segment holds", s.what, len(s.data), maxSegment)
		}
		out = appendSegment(out, s.marker, s.data)
	}
	for _, s := range kept {
		out = appendSegment(out, s.marker, s.data)
	}
	return append(out, rest...), nil
}

type segment struct {
	marker byte
	data   []byte
}

// split reads the marker segments before the image data, dropping APP1
// and APP13, and returns the rest (from the first marker after them,
// normally SOS) untouched.
func split(b []byte) ([]segment, []byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, nil, fmt.Errorf("read JPEG: no start-of-image marker: %w", ErrNotJPEG)
	}
	var kept []segment
	end := int64(2)
	err := containers.JPEGSegments(bytes.NewReader(b), 0, int64(len(b)), func(s containers.Segment) error {
		if s.Off+s.N > int64(len(b)) {
			return fmt.Errorf("segment %#x at byte %d runs past the end", s.Marker, s.Off-4)
		}
		if s.Marker != 0xE1 && s.Marker != 0xED {
			kept = append(kept, segment{s.Marker, b[s.Off : s.Off+s.N]})
		}
		end = s.Off + s.N
		return nil
	})
	if err == nil && (end >= int64(len(b)) || b[end] != 0xFF) {
		err = fmt.Errorf("no image data after byte %d", end)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read JPEG: %w: %w", err, ErrNotJPEG)
	}
	return kept, b[end:], nil
}

func appendSegment(out []byte, marker byte, data []byte) []byte {
	out = append(out, 0xFF, marker)
	out = binary.BigEndian.AppendUint16(out, uint16(len(data)+2))
	return append(out, data...)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// IIM datasets and their maximum lengths in bytes (IPTC-IIM 4.2), which
// ExifTool also truncates to when it writes; XMP carries the full text.
const (
	iimKeywords  = 25
	iimByline    = 80
	iimHeadline  = 105
	iimCredit    = 110
	iimCopyright = 116
	iimCaption   = 120
)

var iimMax = map[byte]int{
	iimKeywords: 64, iimByline: 32, iimHeadline: 256,
	iimCredit: 32, iimCopyright: 128, iimCaption: 2000,
}

// iptcSegment is an APP13 Photoshop 3.0 block holding one 8BIM resource
// 0x0404 (IPTC-IIM), its text declared UTF-8 by 1:90 (ESC % G).
func iptcSegment(f Fields) []byte {
	var iim bytes.Buffer
	dataset := func(rec, ds byte, v []byte) {
		iim.Write([]byte{0x1C, rec, ds})
		iim.Write(binary.BigEndian.AppendUint16(nil, uint16(len(v))))
		iim.Write(v)
	}
	text := func(ds byte, v string) {
		if v != "" {
			dataset(2, ds, []byte(truncate(v, iimMax[ds])))
		}
	}
	dataset(1, 90, []byte("\x1b%G"))
	dataset(2, 0, []byte{0, 4}) // record version 4
	for _, k := range f.Keywords {
		text(iimKeywords, k)
	}
	text(iimByline, f.Creator)
	text(iimHeadline, f.Headline)
	text(iimCredit, f.Credit)
	text(iimCopyright, f.Copyright)
	text(iimCaption, f.Caption)

	var b bytes.Buffer
	b.WriteString("Photoshop 3.0\x00")
	b.WriteString("8BIM")
	b.Write([]byte{0x04, 0x04, 0, 0}) // resource id, empty name padded to even
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(iim.Len())))
	b.Write(iim.Bytes())
	if iim.Len()%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}
