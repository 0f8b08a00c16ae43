package jpegmeta

import (
	"encoding/binary"
	"math"
)

// TIFF field types.
const (
	typeByte      = 1
	typeASCII     = 2
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeUndefined = 7
)

type entry struct {
	tag, typ uint16
	count    uint32
	data     []byte // big-endian
}

func ascii(tag uint16, s string) entry {
	return entry{tag, typeASCII, uint32(len(s) + 1), append([]byte(s), 0)}
}

func short(tag uint16, v uint16) entry {
	return entry{tag, typeShort, 1, binary.BigEndian.AppendUint16(nil, v)}
}

func long(tag uint16, v uint32) entry {
	return entry{tag, typeLong, 1, binary.BigEndian.AppendUint32(nil, v)}
}

func rationals(tag uint16, vs ...[2]uint32) entry {
	var d []byte
	for _, v := range vs {
		d = binary.BigEndian.AppendUint32(d, v[0])
		d = binary.BigEndian.AppendUint32(d, v[1])
	}
	return entry{tag, typeRational, uint32(len(vs)), d}
}

// ifdSize is the bytes an IFD of entries takes with its out-of-line data.
func ifdSize(es []entry) uint32 {
	n := uint32(2 + 12*len(es) + 4)
	for _, e := range es {
		if len(e.data) > 4 {
			n += uint32(len(e.data)+1) &^ 1
		}
	}
	return n
}

// appendIFD appends es (sorted by tag) as an IFD starting at offset off
// of the TIFF structure, with no next IFD.
func appendIFD(out []byte, es []entry, off uint32) []byte {
	out = binary.BigEndian.AppendUint16(out, uint16(len(es)))
	data := off + uint32(2+12*len(es)+4)
	var tail []byte
	for _, e := range es {
		out = binary.BigEndian.AppendUint16(out, e.tag)
		out = binary.BigEndian.AppendUint16(out, e.typ)
		out = binary.BigEndian.AppendUint32(out, e.count)
		if len(e.data) <= 4 {
			out = append(out, e.data...)
			out = append(out, make([]byte, 4-len(e.data))...)
			continue
		}
		out = binary.BigEndian.AppendUint32(out, data+uint32(len(tail)))
		tail = append(tail, e.data...)
		if len(e.data)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	out = binary.BigEndian.AppendUint32(out, 0)
	return append(out, tail...)
}

// exifSegment is a fresh APP1 EXIF: camera, capture time, sRGB, upright
// orientation, and GPS only when f has it. Nothing else from the camera.
func exifSegment(f Fields) []byte {
	ifd0 := []entry{}
	if f.Make != "" {
		ifd0 = append(ifd0, ascii(0x010F, f.Make))
	}
	if f.Model != "" {
		ifd0 = append(ifd0, ascii(0x0110, f.Model))
	}
	ifd0 = append(ifd0, short(0x0112, 1)) // the pixels are upright
	exif := []entry{{0x9000, typeUndefined, 4, []byte("0232")}}
	if t := f.TakenAt; t != nil {
		exif = append(exif, ascii(0x9003, t.Format("2006:01:02 15:04:05")), ascii(0x9011, t.Format("-07:00")))
	}
	exif = append(exif, short(0xA001, 1)) // sRGB
	var gps []entry
	if g := f.GPS; g != nil {
		gps = []entry{
			{0x0000, typeByte, 4, []byte{2, 3, 0, 0}},
			ascii(0x0001, hemisphere(g.Lat, "N", "S")),
			rationals(0x0002, dms(g.Lat)...),
			ascii(0x0003, hemisphere(g.Lon, "E", "W")),
			rationals(0x0004, dms(g.Lon)...),
		}
		if g.Alt != nil {
			ref := byte(0)
			if *g.Alt < 0 {
				ref = 1
			}
			gps = append(gps, entry{0x0005, typeByte, 1, []byte{ref}},
				rationals(0x0006, [2]uint32{uint32(math.Round(math.Abs(*g.Alt) * 100)), 100}))
		}
	}
	// Pointers are fixed-size, so every offset is known before writing.
	const header = 8
	pointers := uint32(1)
	if gps != nil {
		pointers++
	}
	exifOff := header + ifdSize(ifd0) + 12*pointers
	ifd0 = append(ifd0, long(0x8769, exifOff))
	if gps != nil {
		ifd0 = append(ifd0, long(0x8825, exifOff+ifdSize(exif)))
	}
	out := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08")
	out = appendIFD(out, ifd0, header)
	out = appendIFD(out, exif, exifOff)
	if gps != nil {
		out = appendIFD(out, gps, exifOff+ifdSize(exif))
	}
	return out
}

func hemisphere(v float64, pos, neg string) string {
	if v < 0 {
		return neg
	}
	return pos
}

// dms is |v| degrees as whole degrees, whole minutes and seconds to 1/10000.
func dms(v float64) [][2]uint32 {
	v = math.Abs(v)
	d := math.Floor(v)
	m := math.Floor((v - d) * 60)
	s := math.Round(((v-d)*60 - m) * 60 * 10000)
	return [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(s), 10000}}
}
