package ifd

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestAppend: the layout of a big- and a little-endian IFD, with a value
// held in its entry, one out of line and an odd one padded, and Size
// agreeing with what Append wrote.
func TestAppend(t *testing.T) {
	es := []Entry{
		{Tag: 0x0112, Type: Short, Count: 1, Data: []byte{0, 1}},
		Text(0x010F, "Nikon"), // 6 bytes: out of line, even
		Text(0x0110, "D7000"), // 6 bytes
		Text(0x0131, "v1.0"),  // 5 bytes: padded to 6
	}
	tests := []struct {
		name string
		bo   binary.AppendByteOrder
		want []byte
	}{
		{"big-endian", binary.BigEndian, []byte{
			0, 4,
			0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1, 0, 0,
			0x01, 0x0F, 0, 2, 0, 0, 0, 6, 0, 0, 0, 62,
			0x01, 0x10, 0, 2, 0, 0, 0, 6, 0, 0, 0, 68,
			0x01, 0x31, 0, 2, 0, 0, 0, 5, 0, 0, 0, 74,
			0, 0, 0, 0,
			'N', 'i', 'k', 'o', 'n', 0, 'D', '7', '0', '0', '0', 0, 'v', '1', '.', '0', 0, 0,
		}},
		{"little-endian", binary.LittleEndian, []byte{
			4, 0,
			0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0,
			0x0F, 0x01, 2, 0, 6, 0, 0, 0, 62, 0, 0, 0,
			0x10, 0x01, 2, 0, 6, 0, 0, 0, 68, 0, 0, 0,
			0x31, 0x01, 2, 0, 5, 0, 0, 0, 74, 0, 0, 0,
			0, 0, 0, 0,
			'N', 'i', 'k', 'o', 'n', 0, 'D', '7', '0', '0', '0', 0, 'v', '1', '.', '0', 0, 0,
		}},
	}
	for _, tt := range tests {
		// The IFD starts at 8, after a TIFF header.
		got := Append(nil, tt.bo, es, 8)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s: got % x,\nwant % x", tt.name, got, tt.want)
		}
		if n := Size(es); n != uint32(len(got)) {
			t.Errorf("%s: Size = %d, Append wrote %d bytes", tt.name, n, len(got))
		}
	}
}
