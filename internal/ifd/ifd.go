// Package ifd writes TIFF image file directories (IFDs), as an EXIF block
// or a TIFF-based file holds them: the channel pictures' fresh EXIF, and
// test files. Reading them is package containers'.
package ifd

import "encoding/binary"

// Field types of TIFF 6.0.
const (
	Byte      = 1
	ASCII     = 2
	Short     = 3
	Long      = 4
	Rational  = 5
	Undefined = 7
)

// Entry is one field: its tag, its type, how many values, and the values
// already in the byte order of the file.
type Entry struct {
	Tag, Type uint16
	Count     uint32
	Data      []byte
}

// Size is the bytes an IFD of es takes with its out-of-line values.
func Size(es []Entry) uint32 {
	n := uint32(2 + 12*len(es) + 4)
	for _, e := range es {
		if len(e.Data) > 4 {
			n += uint32(len(e.Data)+1) &^ 1
		}
	}
	return n
}

// Append appends es (sorted by tag) in byte order bo as an IFD that
// starts at offset off of the TIFF structure, with no next IFD. Values
// longer than 4 bytes follow it, each padded to an even length (Size).
func Append(out []byte, bo binary.AppendByteOrder, es []Entry, off uint32) []byte {
	out = bo.AppendUint16(out, uint16(len(es)))
	data := off + uint32(2+12*len(es)+4)
	var tail []byte
	for _, e := range es {
		out = bo.AppendUint16(out, e.Tag)
		out = bo.AppendUint16(out, e.Type)
		out = bo.AppendUint32(out, e.Count)
		if len(e.Data) <= 4 {
			out = append(out, e.Data...)
			out = append(out, make([]byte, 4-len(e.Data))...)
			continue
		}
		out = bo.AppendUint32(out, data+uint32(len(tail)))
		tail = append(tail, e.Data...)
		if len(e.Data)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	out = bo.AppendUint32(out, 0)
	return append(out, tail...)
}

// Text is an ASCII field: s and the NUL that ends it.
func Text(tag uint16, s string) Entry {
	return Entry{Tag: tag, Type: ASCII, Count: uint32(len(s) + 1), Data: append([]byte(s), 0)}
}
