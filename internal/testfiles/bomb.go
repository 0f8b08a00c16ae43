package testfiles

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb is the 74-byte PNG of the security probe (issue 10): its header
// declares 15800×15800 16-bit RGBA, under the pixel limit, and its data
// stops after a few bytes of a zlib stream of zeros. Decoding it would
// allocate 2 GB.
func PNGBomb() []byte {
	chunk := func(b []byte, typ string, data []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		start := len(b)
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, 15800)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 15800)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16-bit, RGBA, deflate, no filter, not interlaced
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	b := chunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr)
	return chunk(b, "IDAT", z.Bytes()[:29])
}
