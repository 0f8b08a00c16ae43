package containers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Bounds on the IFDs of one TIFF structure.
const (
	maxIFDs       = 64
	maxIFDEntries = 2048
	// maxValues bounds the values read from one entry.
	maxValues = 4096
)

// TIFFFile reads the IFDs of a TIFF structure whose header is at Base; offsets
// in it count from Base. It serves plain TIFF, the TIFF-based RAW files
// (CR2, NEF, ARW, DNG, RW2, ORF), EXIF, MPF and the CMT blocks of CR3.
type TIFFFile struct {
	r     io.ReaderAt
	Base  int64
	end   int64
	Order binary.ByteOrder
	First uint32 // offset of IFD0
}

// Entry is one IFD entry.
type Entry struct {
	Tag, Type uint16
	Count     uint32
	raw       [4]byte // the value itself if it fits, else its offset
}

// IFD is one image file directory.
type IFD struct {
	t       *TIFFFile
	Entries []Entry
	Next    uint32 // offset of the next IFD, 0 at the end of the chain
}

// OpenTIFF reads the TIFF header at base, in a structure that ends at end.
func OpenTIFF(r io.ReaderAt, base, end int64) (*TIFFFile, error) {
	h := readN(r, base, 8)
	if len(h) < 8 {
		return nil, errors.New("short TIFF header")
	}
	t := &TIFFFile{r: r, Base: base, end: end}
	switch string(h[:2]) {
	case "II":
		t.Order = binary.LittleEndian
	case "MM":
		t.Order = binary.BigEndian
	default:
		return nil, errors.New("bad TIFF byte order")
	}
	// 42 is TIFF; RW2 and ORF use their own numbers in the same layout.
	switch t.Order.Uint16(h[2:]) {
	case 42, 0x55, 0x4F52, 0x5352:
	default:
		return nil, errors.New("bad TIFF magic")
	}
	t.First = t.Order.Uint32(h[4:])
	return t, nil
}

// IFD reads the IFD at off.
func (t *TIFFFile) IFD(off uint32) (IFD, error) {
	at := t.Base + int64(off)
	n := readN(t.r, at, 2)
	if off == 0 || len(n) < 2 || at+2 > t.end {
		return IFD{}, fmt.Errorf("IFD at %d out of bounds", off)
	}
	count := int(t.Order.Uint16(n))
	if count == 0 || count > maxIFDEntries {
		return IFD{}, fmt.Errorf("IFD at %d: bad entry count %d", off, count)
	}
	b := readN(t.r, at+2, count*12+4)
	if len(b) < count*12+4 || at+2+int64(len(b)) > t.end {
		return IFD{}, fmt.Errorf("IFD at %d out of bounds", off)
	}
	d := IFD{t: t, Entries: make([]Entry, count), Next: t.Order.Uint32(b[count*12:])}
	for i := range d.Entries {
		e := b[i*12:]
		d.Entries[i] = Entry{Tag: t.Order.Uint16(e), Type: t.Order.Uint16(e[2:]), Count: t.Order.Uint32(e[4:])}
		copy(d.Entries[i].raw[:], e[8:12])
	}
	return d, nil
}

// EachIFD calls fn for IFD0, the IFDs chained after it and their SubIFDs
// (tag 0x14A), each once, at most maxIFDs; IFDs that do not read are
// passed over.
func (t *TIFFFile) EachIFD(fn func(off uint32, d IFD)) {
	queue := []uint32{t.First}
	seen := map[uint32]bool{}
	for len(queue) > 0 && len(seen) < maxIFDs {
		off := queue[0]
		queue = queue[1:]
		if seen[off] {
			continue
		}
		seen[off] = true
		d, err := t.IFD(off)
		if err != nil {
			continue
		}
		if d.Next != 0 {
			queue = append(queue, d.Next)
		}
		queue = append(queue, d.Values(0x14A)...)
		fn(off, d)
	}
}

// Values reads the SHORT or LONG values of tag (at most 4096), nil if
// the tag is absent or of another type.
func (d IFD) Values(tag uint16) []uint32 {
	for _, x := range d.Entries {
		if x.Tag != tag {
			continue
		}
		size := 0
		switch x.Type {
		case 3: // SHORT
			size = 2
		case 4, 13: // LONG, IFD
			size = 4
		default:
			return nil
		}
		if x.Count == 0 || x.Count > maxValues {
			return nil
		}
		data := x.raw[:]
		if n := int(x.Count) * size; n > 4 {
			data = readN(d.t.r, d.t.Base+int64(d.t.Order.Uint32(x.raw[:])), n)
			if len(data) < n {
				return nil
			}
		}
		v := make([]uint32, x.Count)
		for i := range v {
			if size == 2 {
				v[i] = uint32(d.t.Order.Uint16(data[2*i:]))
			} else {
				v[i] = d.t.Order.Uint32(data[4*i:])
			}
		}
		return v
	}
	return nil
}

// Value is the first value of tag, 0 if absent.
func (d IFD) Value(tag uint16) uint32 {
	if v := d.Values(tag); len(v) > 0 {
		return v[0]
	}
	return 0
}

// Orientation is the EXIF orientation (tag 0x112), 0 if absent or not 1–8.
func (d IFD) Orientation() int {
	if o := int(d.Value(0x112)); o >= 1 && o <= 8 {
		return o
	}
	return 0
}

// Undefined says where the bytes of an UNDEFINED entry lie in the file,
// if they are stored out of line.
func (d IFD) Undefined(tag uint16) (Span, bool) {
	for _, x := range d.Entries {
		if x.Tag == tag && x.Type == 7 && x.Count > 4 {
			return Span{d.t.Base + int64(d.t.Order.Uint32(x.raw[:])), int64(x.Count)}, true
		}
	}
	return Span{}, false
}

// MPImages lists the images other than the first in an MPF index IFD (tag
// 0xB002, 16 bytes per image, at most 64), in the file's offsets.
func (d IFD) MPImages() []Span {
	s, ok := d.Undefined(0xB002)
	if !ok || s.N%16 != 0 || s.N > 16*64 {
		return nil
	}
	b := readN(d.t.r, s.Off, int(s.N))
	var out []Span
	for i := 16; i+16 <= len(b); i += 16 {
		size, at := d.t.Order.Uint32(b[i+4:]), d.t.Order.Uint32(b[i+8:])
		if at != 0 {
			out = append(out, Span{d.t.Base + int64(at), int64(size)})
		}
	}
	return out
}

// RW2Info is what the IFD0 of a Panasonic RW2 (its PanasonicRaw IFD) says
// about the picture, as ExifTool reads it.
type RW2Info struct {
	// Width and Height are the sensor's area inside its borders
	// (SensorRightBorder−SensorLeftBorder, SensorBottomBorder−
	// SensorTopBorder), ExifTool's Composite:ImageWidth and ImageHeight.
	Width, Height int
	// ISO is tag 0x17, 0 when absent.
	ISO int
}

// ReadRW2 reads the PanasonicRaw IFD0 of an RW2 of size bytes.
func ReadRW2(r io.ReaderAt, size int64) (RW2Info, error) {
	t, err := OpenTIFF(r, 0, size)
	if err != nil {
		return RW2Info{}, fmt.Errorf("RW2: %w", err)
	}
	d, err := t.IFD(t.First)
	if err != nil {
		return RW2Info{}, fmt.Errorf("RW2: %w", err)
	}
	var info RW2Info
	top, left, bottom, right := d.Values(0x04), d.Values(0x05), d.Values(0x06), d.Values(0x07)
	if len(top) > 0 && len(left) > 0 && len(bottom) > 0 && len(right) > 0 &&
		right[0] > left[0] && bottom[0] > top[0] {
		info.Width, info.Height = int(right[0]-left[0]), int(bottom[0]-top[0])
	}
	info.ISO = int(d.Value(0x17))
	return info, nil
}
