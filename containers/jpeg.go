package containers

import (
	"encoding/binary"
	"fmt"
	"io"
)

// maxSegments bounds the JPEG segments read before the image data.
const maxSegments = 4096

// Segment is one JPEG marker segment with a length: its marker and where
// its payload lies.
type Segment struct {
	Marker byte
	Off, N int64 // payload, after the marker and the length
}

// EXIF opens the TIFF structure of an APP1 segment that holds EXIF (after
// "Exif\0\0").
func (s Segment) EXIF(r io.ReaderAt) (*TIFFFile, error) {
	return s.tiff(r, 0xE1, "Exif\x00\x00")
}

// MPF opens the TIFF structure of an APP2 segment that holds a
// Multi-Picture Format index (after "MPF\0"); the offsets in it count from
// its header.
func (s Segment) MPF(r io.ReaderAt) (*TIFFFile, error) {
	return s.tiff(r, 0xE2, "MPF\x00")
}

func (s Segment) tiff(r io.ReaderAt, marker byte, sig string) (*TIFFFile, error) {
	if s.Marker != marker || string(readN(r, s.Off, len(sig))) != sig {
		return nil, fmt.Errorf("segment at %d is not %q", s.Off, sig)
	}
	return OpenTIFF(r, s.Off+int64(len(sig)), s.Off+s.N)
}

// JPEGSegments calls fn for each segment of the JPEG at base (ending at
// end) up to the image data (SOS) or the end of the image (EOI), and stops
// at fn's first error. Markers without a payload are passed over.
func JPEGSegments(r io.ReaderAt, base, end int64, fn func(Segment) error) error {
	off := base + 2
	for range maxSegments {
		if off+4 > end {
			return nil
		}
		var hdr [4]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("jpeg marker at %d: %w", off, err)
		}
		if hdr[0] != 0xff {
			return fmt.Errorf("jpeg: no marker at offset %d", off)
		}
		marker := hdr[1]
		if marker == 0xff { // fill byte
			off++
			continue
		}
		if marker == 0xd8 || marker >= 0xd0 && marker <= 0xd7 || marker == 0x01 {
			off += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return nil
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:]))
		if n < 2 {
			return fmt.Errorf("jpeg: bad segment length at offset %d", off)
		}
		if err := fn(Segment{marker, off + 4, n - 2}); err != nil {
			return err
		}
		off += 2 + n
	}
	return nil
}
