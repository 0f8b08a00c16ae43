package containers

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"mediabank/icc"
)

// Where pictures keep their ICC colour profile: JPEG APP2 "ICC_PROFILE"
// pieces, the colr property of a HEIF's primary item (ReadHEIF), TIFF
// tag 34675 and PNG iCCP. The readers below find the bytes; package icc
// reads them. Each keeps to icc.MaxSize.

// iccSig opens every APP2 segment that holds a piece of a profile (ICC.1
// annex B.4): a sequence number (from 1) and the count of pieces follow.
const iccSig = "ICC_PROFILE\x00"

// ICCChunk is one APP2 piece of a JPEG's profile: its place among the
// pieces and where its bytes lie.
type ICCChunk struct {
	Seq, Count int
	Span
}

// ICCChunk reads the header of the piece of profile an APP2 segment
// holds, if it holds one.
func (s Segment) ICCChunk(r io.ReaderAt) (ICCChunk, bool) {
	head := int64(len(iccSig)) + 2
	b := readN(r, s.Off, int(head))
	if s.Marker != 0xE2 || s.N < head || len(b) < int(head) || string(b[:len(iccSig)]) != iccSig {
		return ICCChunk{}, false
	}
	return ICCChunk{Seq: int(b[len(iccSig)]), Count: int(b[len(iccSig)+1]), Span: Span{s.Off + head, s.N - head}}, true
}

// AssembleICC reads the pieces of a profile from r and joins them in
// their sequence order, whatever order the file has them in. Pieces that
// disagree on the count, a sequence number out of range or given twice, a
// missing piece, or more than icc.MaxSize bytes in all are an error,
// found before anything is read.
func AssembleICC(r io.ReaderAt, chunks []ICCChunk) ([]byte, error) {
	if len(chunks) == 0 {
		return nil, nil
	}
	count := chunks[0].Count
	if count == 0 || len(chunks) != count {
		return nil, fmt.Errorf("icc in APP2: %d pieces of a profile that says %d", len(chunks), count)
	}
	sorted := append([]ICCChunk(nil), chunks...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	total := int64(0)
	for i, c := range sorted {
		if c.Count != count || c.Seq != i+1 {
			return nil, fmt.Errorf("icc in APP2: piece %d of %d where %d of %d belongs", c.Seq, c.Count, i+1, count)
		}
		if total += c.N; c.N < 0 || total > icc.MaxSize {
			return nil, fmt.Errorf("icc in APP2: over %d bytes", icc.MaxSize)
		}
	}
	out := make([]byte, 0, total)
	for _, c := range sorted {
		b := readN(r, c.Off, int(c.N))
		if int64(len(b)) < c.N {
			return nil, fmt.Errorf("icc in APP2: piece %d cut short", c.Seq)
		}
		out = append(out, b...)
	}
	return out, nil
}

// JPEGICC is the profile of the JPEG at base (ending at end), nil if it
// carries none.
func JPEGICC(r io.ReaderAt, base, end int64) ([]byte, error) {
	var chunks []ICCChunk
	err := JPEGSegments(r, base, end, func(s Segment) error {
		if c, ok := s.ICCChunk(r); ok {
			chunks = append(chunks, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return AssembleICC(r, chunks)
}

// ICC says where the profile of a TIFF IFD lies (tag 34675,
// InterColorProfile, UNDEFINED or BYTE).
func (d IFD) ICC() (Span, bool) {
	for _, x := range d.Entries {
		if x.Tag == 34675 && (x.Type == 7 || x.Type == 1) && x.Count > 4 {
			return Span{d.t.Base + int64(d.t.Order.Uint32(x.raw[:])), int64(x.Count)}, true
		}
	}
	return Span{}, false
}

// loadICC reads the profile at s, which is to lie inside the file of
// size bytes and within icc.MaxSize.
func loadICC(r io.ReaderAt, s Span, size int64) ([]byte, error) {
	if s.N > icc.MaxSize {
		return nil, fmt.Errorf("icc: %d bytes, over the budget of %d", s.N, icc.MaxSize)
	}
	if s.Off < 0 || s.N < 0 || s.N > size || s.Off > size-s.N {
		return nil, fmt.Errorf("icc: %d bytes at %d lie outside the %d-byte file", s.N, s.Off, size)
	}
	b := readN(r, s.Off, int(s.N))
	if int64(len(b)) < s.N {
		return nil, fmt.Errorf("icc: %d bytes at %d: cut short", s.N, s.Off)
	}
	return b, nil
}

// maxPNGChunks bounds the chunks read before the image data.
const maxPNGChunks = 4096

// PNGICC is the profile of a PNG of size bytes (its iCCP chunk, zlib
// inflated to at most icc.MaxSize), nil if it has none. An sRGB chunk
// says the picture is sRGB: nil too.
func PNGICC(r io.ReaderAt, size int64) ([]byte, error) {
	if string(readN(r, 0, 8)) != "\x89PNG\r\n\x1a\n" {
		return nil, errors.New("png: bad signature")
	}
	off := int64(8)
	for range maxPNGChunks {
		h := readN(r, off, 8)
		if len(h) < 8 {
			return nil, nil
		}
		n, typ := int64(binary.BigEndian.Uint32(h)), string(h[4:8])
		if n > size-off-12 {
			return nil, fmt.Errorf("png: chunk %q at %d overruns the file", typ, off)
		}
		switch typ {
		case "IDAT", "IEND", "sRGB":
			return nil, nil
		case "iCCP":
			if n > icc.MaxSize {
				return nil, fmt.Errorf("png: iCCP of %d bytes, over %d", n, icc.MaxSize)
			}
			d := readN(r, off+8, int(n))
			name := bytes.IndexByte(d, 0)
			if name < 1 || name > 79 || name+2 > len(d) || d[name+1] != 0 {
				return nil, errors.New("png: iCCP without a name or with an unknown compression")
			}
			zr, err := zlib.NewReader(bytes.NewReader(d[name+2:]))
			if err != nil {
				return nil, fmt.Errorf("png: iCCP: %w", err)
			}
			b, err := io.ReadAll(io.LimitReader(zr, icc.MaxSize+1))
			if err != nil {
				return nil, fmt.Errorf("png: iCCP: %w", err)
			}
			if len(b) > icc.MaxSize {
				return nil, fmt.Errorf("png: iCCP inflates to over %d bytes", icc.MaxSize)
			}
			return b, nil
		}
		off += 12 + n
	}
	return nil, fmt.Errorf("png: more than %d chunks before the image data", maxPNGChunks)
}

// ExifColour is what the EXIF of a picture says of its colour space:
// ColorSpace (1 sRGB, 0xFFFF uncalibrated), and the Interoperability
// index ("R98" sRGB, "R03" Adobe RGB, DCF 2.0).
type ExifColour struct {
	ColorSpace int
	Interop    string
}

// ExifColour reads ColorSpace (0xA001) from the Exif IFD (0x8769) of the
// EXIF whose IFD0 is ifd0, and InteropIndex (1) from its Interop IFD
// (0xA005).
func (t *TIFFFile) ExifColour(ifd0 IFD) ExifColour {
	var c ExifColour
	exif, err := t.IFD(ifd0.Value(0x8769))
	if err != nil {
		return c
	}
	c.ColorSpace = int(exif.Value(0xA001))
	if interop, err := t.IFD(exif.Value(0xA005)); err == nil {
		for _, x := range interop.Entries {
			if x.Tag == 1 && x.Type == 2 && x.Count <= 4 { // ASCII, inline
				c.Interop = string(bytes.TrimRight(x.raw[:x.Count], "\x00"))
			}
		}
	}
	return c
}

// ICC is the colour profile a file of size bytes carries for its main
// picture, by its format, nil if it carries none (or is of a format
// without profiles here: GIF, WebP, video).
func ICC(r io.ReaderAt, size int64) ([]byte, error) {
	head := readN(r, 0, SniffLen)
	f, _ := Sniff(head, "")
	switch {
	case f == JPEG:
		return JPEGICC(r, 0, size)
	case f == PNG:
		return PNGICC(r, size)
	case f == HEIC, f == HEIF, f == AVIF:
		info, err := ReadHEIF(r, size)
		if info.ICC.N == 0 {
			return nil, err
		}
		return loadICC(r, info.ICC, size)
	case f == RAF:
		raf, err := ReadRAF(r, size)
		if err != nil {
			return nil, err
		}
		return JPEGICC(r, raf.JPEG.Off, raf.JPEG.Off+raf.JPEG.N)
	case f.TIFFBased():
		t, err := OpenTIFF(r, 0, size)
		if err != nil {
			return nil, err
		}
		ifd0, err := t.IFD(t.First)
		if err != nil {
			return nil, err
		}
		if s, ok := ifd0.ICC(); ok {
			return loadICC(r, s, size)
		}
	}
	return nil, nil
}
