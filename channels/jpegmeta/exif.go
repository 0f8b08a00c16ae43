package jpegmeta

import (
	"encoding/binary"
	"math"

	"mediabank/internal/ifd"
)

// entry is a field of the fresh EXIF, big-endian like all of it.
type entry = ifd.Entry

func short(tag uint16, v uint16) entry {
	return entry{Tag: tag, Type: ifd.Short, Count: 1, Data: binary.BigEndian.AppendUint16(nil, v)}
}

func long(tag uint16, v uint32) entry {
	return entry{Tag: tag, Type: ifd.Long, Count: 1, Data: binary.BigEndian.AppendUint32(nil, v)}
}

func rationals(tag uint16, vs ...[2]uint32) entry {
	var d []byte
	for _, v := range vs {
		d = binary.BigEndian.AppendUint32(d, v[0])
		d = binary.BigEndian.AppendUint32(d, v[1])
	}
	return entry{Tag: tag, Type: ifd.Rational, Count: uint32(len(vs)), Data: d}
}

// exifSegment is a fresh APP1 EXIF: camera, capture time, sRGB, upright
// orientation, and GPS only when f has it. Nothing else from the camera.
func exifSegment(f Fields) []byte {
	ifd0 := []entry{}
	if f.Make != "" {
		ifd0 = append(ifd0, ifd.Text(0x010F, f.Make))
	}
	if f.Model != "" {
		ifd0 = append(ifd0, ifd.Text(0x0110, f.Model))
	}
	ifd0 = append(ifd0, short(0x0112, 1)) // the pixels are upright
	exif := []entry{{Tag: 0x9000, Type: ifd.Undefined, Count: 4, Data: []byte("0232")}}
	if t := f.TakenAt; t != nil {
		exif = append(exif, ifd.Text(0x9003, t.Format("2006:01:02 15:04:05")), ifd.Text(0x9011, t.Format("-07:00")))
	}
	exif = append(exif, short(0xA001, 1)) // sRGB
	var gps []entry
	if g := f.GPS; g != nil {
		gps = []entry{
			{Tag: 0x0000, Type: ifd.Byte, Count: 4, Data: []byte{2, 3, 0, 0}},
			ifd.Text(0x0001, hemisphere(g.Lat, "N", "S")),
			rationals(0x0002, dms(g.Lat)...),
			ifd.Text(0x0003, hemisphere(g.Lon, "E", "W")),
			rationals(0x0004, dms(g.Lon)...),
		}
		if g.Alt != nil {
			ref := byte(0)
			if *g.Alt < 0 {
				ref = 1
			}
			gps = append(gps, entry{Tag: 0x0005, Type: ifd.Byte, Count: 1, Data: []byte{ref}},
				rationals(0x0006, [2]uint32{uint32(math.Round(math.Abs(*g.Alt) * 100)), 100}))
		}
	}
	// Pointers are fixed-size, so every offset is known before writing.
	const header = 8
	pointers := uint32(1)
	if gps != nil {
		pointers++
	}
	exifOff := header + ifd.Size(ifd0) + 12*pointers
	ifd0 = append(ifd0, long(0x8769, exifOff))
	if gps != nil {
		ifd0 = append(ifd0, long(0x8825, exifOff+ifd.Size(exif)))
	}
	out := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08")
	out = ifd.Append(out, binary.BigEndian, ifd0, header)
	out = ifd.Append(out, binary.BigEndian, exif, exifOff)
	if gps != nil {
		out = ifd.Append(out, binary.BigEndian, gps, exifOff+ifd.Size(exif))
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
