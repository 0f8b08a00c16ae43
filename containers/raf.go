package containers

import (
	"encoding/binary"
	"fmt"
	"io"
)

// RAFInfo is what the header and directory of a Fujifilm RAF say.
type RAFInfo struct {
	// JPEG is the embedded JPEG, which carries the EXIF.
	JPEG Span
	// Width and Height are the cropped sensor size (RawImageCroppedSize),
	// 0 when the directory does not give it.
	Width, Height int
}

// ReadRAF reads the header of a RAF of size bytes.
func ReadRAF(r io.ReaderAt, size int64) (RAFInfo, error) {
	var hdr [100]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return RAFInfo{}, fmt.Errorf("raf header: %w", err)
	}
	var info RAFInfo
	info.JPEG = Span{int64(binary.BigEndian.Uint32(hdr[84:])), int64(binary.BigEndian.Uint32(hdr[88:]))}
	if info.JPEG.Off <= 0 || info.JPEG.N <= 0 || info.JPEG.Off+info.JPEG.N > size {
		return RAFInfo{}, fmt.Errorf("raf: embedded JPEG at %d+%d lies outside the %d-byte file", info.JPEG.Off, info.JPEG.N, size)
	}
	dirOff := int64(binary.BigEndian.Uint32(hdr[92:]))
	cnt := readN(r, dirOff, 4)
	if dirOff <= 0 || dirOff+4 > size || len(cnt) < 4 {
		return info, nil
	}
	off := dirOff + 4
	for range min(binary.BigEndian.Uint32(cnt), 256) {
		e := readN(r, off, 8)
		if len(e) < 8 {
			break
		}
		tag, n := binary.BigEndian.Uint16(e), int64(binary.BigEndian.Uint16(e[2:]))
		if tag == 0x0111 && n == 4 { // RawImageCroppedSize: height, width
			info.Height, info.Width = int(binary.BigEndian.Uint16(e[4:])), int(binary.BigEndian.Uint16(e[6:]))
			break
		}
		off += 4 + n
	}
	return info, nil
}
