package renditions

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"sort"

	"github.com/gen2brain/heic"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// candidate is one picture a file holds: its main image or an embedded
// preview, each a byte range decodable on its own.
type candidate struct {
	what        string // for messages: "main image", "EXIF thumbnail", …
	off, n      int64
	format      string // "jpeg", "png", "gif", "webp", "tiff", "heic"
	w, h        int
	orientation int  // EXIF orientation that applies to it, 0 if unknown
	upright     bool // the decoder applies the file's own transforms
}

// Bounds on walking a file's structure, so hostile files cannot make it
// loop or allocate without end.
const (
	maxSegments   = 4096
	maxIFDs       = 64
	maxIFDEntries = 2048
	maxBoxes      = 4096
	maxBoxDepth   = 8
)

var errNotImage = errors.New("not a known image format")

// candidates lists the pictures in a photo file, from its magic bytes.
func candidates(r io.ReaderAt, size int64) ([]candidate, error) {
	head := make([]byte, 32)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8}):
		return jpegCandidates(r, 0, size)
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return single(r, size, "png")
	case bytes.HasPrefix(head, []byte("GIF8")):
		return single(r, size, "gif")
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return single(r, size, "webp")
	case bytes.HasPrefix(head, []byte("FUJIFILMCCD-RAW")):
		return rafCandidates(r, size)
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		if string(head[8:12]) == "crx " {
			return cr3Candidates(r, size)
		}
		return heifCandidates(r, size)
	case len(head) >= 4 && (string(head[:2]) == "II" || string(head[:2]) == "MM"):
		return tiffCandidates(r, size)
	}
	return nil, errNotImage
}

// single is a file that is one image and nothing else.
func single(r io.ReaderAt, size int64, format string) ([]candidate, error) {
	c := candidate{what: "main image", n: size, format: format}
	if err := c.config(r); err != nil {
		return nil, err
	}
	return []candidate{c}, nil
}

// config reads the candidate's dimensions without decoding its pixels.
func (c *candidate) config(r io.ReaderAt) error {
	sr := io.NewSectionReader(r, c.off, c.n)
	var cfg image.Config
	var err error
	switch c.format {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(sr)
	case "png":
		cfg, err = png.DecodeConfig(sr)
	case "gif":
		cfg, err = gif.DecodeConfig(sr)
	case "webp":
		cfg, err = webp.DecodeConfig(sr)
	case "tiff":
		cfg, err = tiff.DecodeConfig(sr)
	}
	if err != nil {
		return fmt.Errorf("read %s header: %w", c.what, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("read %s header: no dimensions", c.what)
	}
	c.w, c.h = cfg.Width, cfg.Height
	return nil
}

// decode decodes the candidate's pixels.
func (c *candidate) decode(r io.ReaderAt) (image.Image, error) {
	sr := io.NewSectionReader(r, c.off, c.n)
	var img image.Image
	var err error
	switch c.format {
	case "jpeg":
		img, err = jpeg.Decode(sr)
	case "png":
		img, err = png.Decode(sr)
	case "gif":
		img, err = gif.Decode(sr)
	case "webp":
		img, err = webp.Decode(sr)
	case "tiff":
		img, err = tiff.Decode(sr)
	case "heic":
		img, err = heic.Decode(sr)
	default:
		err = errNotImage
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", c.what, err)
	}
	return img, nil
}

// embedded adds a JPEG held inside the file if its header reads.
func embedded(list []candidate, r io.ReaderAt, size int64, what string, off, n int64, orientation int) []candidate {
	if off <= 0 || n <= 0 || off >= size || n > size-off {
		return list
	}
	c := candidate{what: what, off: off, n: n, format: "jpeg", orientation: orientation}
	if c.config(r) != nil {
		return list
	}
	return append(list, c)
}

// jpegCandidates lists a JPEG at off: its main image, its EXIF thumbnail
// and its MPF previews (which cameras and phones write at 1–2 MP).
func jpegCandidates(r io.ReaderAt, base, size int64) ([]candidate, error) {
	main := candidate{what: "main image", off: base, n: size - base, format: "jpeg"}
	mainErr := main.config(r)
	var thumbs, previews []span
	pos := base + 2
	for range maxSegments {
		var m [4]byte
		if _, err := r.ReadAt(m[:], pos); err != nil || m[0] != 0xFF {
			break
		}
		marker := m[1]
		if marker == 0xFF { // fill byte
			pos++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts, or the end
			break
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			pos += 2
			continue
		}
		l := int64(binary.BigEndian.Uint16(m[2:]))
		if l < 2 {
			break
		}
		data := pos + 4
		switch marker {
		case 0xE1: // APP1: EXIF is a TIFF structure after "Exif\0\0"
			if sig := readN(r, data, 6); string(sig) == "Exif\x00\x00" {
				t, first, err := openTIFF(r, data+6, min(size, data+l-2))
				if err == nil {
					if e, next, err := t.ifd(first); err == nil {
						main.orientation = t.orientation(e)
						if e1, _, err := t.ifd(next); err == nil {
							if off := t.value(e1, 0x201); off != 0 {
								thumbs = append(thumbs, span{t.base + int64(off), int64(t.value(e1, 0x202))})
							}
						}
					}
				}
			}
		case 0xE2: // APP2: MPF lists the other images of the file
			if sig := readN(r, data, 4); string(sig) == "MPF\x00" {
				t, first, err := openTIFF(r, data+4, size)
				if err == nil {
					if e, _, err := t.ifd(first); err == nil {
						for _, s := range t.mpEntries(e) {
							previews = append(previews, span{t.base + s.off, s.n})
						}
					}
				}
			}
		}
		pos += 2 + l
	}
	var list []candidate
	if mainErr == nil {
		list = append(list, main)
	}
	for _, s := range previews {
		list = embedded(list, r, size, "MPF preview", s.off, s.n, main.orientation)
	}
	for _, s := range thumbs {
		list = embedded(list, r, size, "EXIF thumbnail", s.off, s.n, main.orientation)
	}
	if len(list) == 0 {
		return nil, mainErr
	}
	return list, nil
}

// readN reads n bytes at off, or fewer at the end of the file.
func readN(r io.ReaderAt, off int64, n int) []byte {
	b := make([]byte, n)
	k, _ := r.ReadAt(b, off)
	return b[:k]
}

// tiffFile reads the IFDs of a TIFF structure whose header is at base;
// offsets in it count from base. It serves plain TIFF, TIFF-based RAW
// (CR2, NEF, ARW, DNG, RW2, ORF), EXIF and MPF.
type tiffFile struct {
	r     io.ReaderAt
	base  int64
	end   int64
	order binary.ByteOrder
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	raw      [4]byte // the value itself if it fits, else its offset
}

func openTIFF(r io.ReaderAt, base, end int64) (*tiffFile, uint32, error) {
	h := readN(r, base, 8)
	if len(h) < 8 {
		return nil, 0, errors.New("short TIFF header")
	}
	t := &tiffFile{r: r, base: base, end: end}
	switch string(h[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, 0, errors.New("bad TIFF byte order")
	}
	// 42 is TIFF; RW2 and ORF use their own numbers in the same layout.
	switch t.order.Uint16(h[2:]) {
	case 42, 0x55, 0x4F52, 0x5352:
	default:
		return nil, 0, errors.New("bad TIFF magic")
	}
	return t, t.order.Uint32(h[4:]), nil
}

// ifd reads the entries of the IFD at off.
func (t *tiffFile) ifd(off uint32) ([]tiffEntry, uint32, error) {
	at := t.base + int64(off)
	n := readN(t.r, at, 2)
	if off == 0 || len(n) < 2 || at+2 > t.end {
		return nil, 0, errors.New("IFD out of bounds")
	}
	count := int(t.order.Uint16(n))
	if count == 0 || count > maxIFDEntries {
		return nil, 0, errors.New("bad IFD entry count")
	}
	b := readN(t.r, at+2, count*12+4)
	if len(b) < count*12+4 || at+2+int64(len(b)) > t.end {
		return nil, 0, errors.New("IFD out of bounds")
	}
	entries := make([]tiffEntry, count)
	for i := range entries {
		e := b[i*12:]
		entries[i] = tiffEntry{tag: t.order.Uint16(e), typ: t.order.Uint16(e[2:]), count: t.order.Uint32(e[4:])}
		copy(entries[i].raw[:], e[8:12])
	}
	return entries, t.order.Uint32(b[count*12:]), nil
}

// values reads an entry's SHORT or LONG values (at most 4096).
func (t *tiffFile) values(e []tiffEntry, tag uint16) []uint32 {
	for _, x := range e {
		if x.tag != tag {
			continue
		}
		size := 0
		switch x.typ {
		case 3: // SHORT
			size = 2
		case 4, 13: // LONG, IFD
			size = 4
		default:
			return nil
		}
		if x.count == 0 || x.count > 4096 {
			return nil
		}
		data := x.raw[:]
		if n := int(x.count) * size; n > 4 {
			data = readN(t.r, t.base+int64(t.order.Uint32(x.raw[:])), n)
			if len(data) < n {
				return nil
			}
		}
		v := make([]uint32, x.count)
		for i := range v {
			if size == 2 {
				v[i] = uint32(t.order.Uint16(data[2*i:]))
			} else {
				v[i] = t.order.Uint32(data[4*i:])
			}
		}
		return v
	}
	return nil
}

// value is the first value of tag, 0 if absent.
func (t *tiffFile) value(e []tiffEntry, tag uint16) uint32 {
	if v := t.values(e, tag); len(v) > 0 {
		return v[0]
	}
	return 0
}

func (t *tiffFile) orientation(e []tiffEntry) int {
	if o := int(t.value(e, 0x112)); o >= 1 && o <= 8 {
		return o
	}
	return 0
}

// undefined returns where an UNDEFINED entry's bytes are, relative to the
// file, if they are stored out of line.
func (t *tiffFile) undefined(e []tiffEntry, tag uint16) (off, n int64, ok bool) {
	for _, x := range e {
		if x.tag == tag && x.typ == 7 && x.count > 4 {
			return t.base + int64(t.order.Uint32(x.raw[:])), int64(x.count), true
		}
	}
	return 0, 0, false
}

type span struct{ off, n int64 }

// mpEntries lists the images other than the first in an MPF index IFD
// (tag 0xB002, 16 bytes per image), offsets relative to the MPF header.
func (t *tiffFile) mpEntries(e []tiffEntry) []span {
	off, n, ok := t.undefined(e, 0xB002)
	if !ok || n%16 != 0 || n > 16*64 {
		return nil
	}
	b := readN(t.r, off, int(n))
	var out []span
	for i := 16; i+16 <= len(b); i += 16 {
		size, at := t.order.Uint32(b[i+4:]), t.order.Uint32(b[i+8:])
		if at != 0 {
			out = append(out, span{int64(at), int64(size)})
		}
	}
	return out
}

// tiffCandidates lists the JPEG previews in every IFD and SubIFD of a TIFF
// or TIFF-based RAW file, and IFD0 itself as a plain TIFF image.
func tiffCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	t, first, err := openTIFF(r, 0, size)
	if err != nil {
		return nil, err
	}
	var list []candidate
	orientation := 0
	queue := []uint32{first}
	seen := map[uint32]bool{}
	for len(queue) > 0 && len(seen) < maxIFDs {
		off := queue[0]
		queue = queue[1:]
		if seen[off] {
			continue
		}
		seen[off] = true
		e, next, err := t.ifd(off)
		if err != nil {
			continue
		}
		if off == first {
			orientation = t.orientation(e)
		}
		if next != 0 {
			queue = append(queue, next)
		}
		queue = append(queue, t.values(e, 0x14A)...) // SubIFDs
		if o, n := t.value(e, 0x201), t.value(e, 0x202); o != 0 {
			list = embedded(list, r, size, "IFD preview", int64(o), int64(n), orientation)
		}
		if c := t.value(e, 0x103); c == 6 || c == 7 {
			if o, n := t.values(e, 0x111), t.values(e, 0x117); len(o) == 1 && len(n) == 1 {
				list = embedded(list, r, size, "IFD preview", int64(o[0]), int64(n[0]), orientation)
			}
		}
		if o, n, ok := t.undefined(e, 0x2E); ok { // RW2 JpgFromRaw
			list = embedded(list, r, size, "RW2 preview", o, n, orientation)
		}
	}
	main := candidate{what: "TIFF image", n: size, format: "tiff", orientation: orientation}
	if err := main.config(r); err == nil {
		list = append(list, main)
	} else if len(list) == 0 {
		return nil, fmt.Errorf("no JPEG preview in the IFDs, and %w", err)
	}
	return list, nil
}

// rafCandidates lists the JPEG a Fujifilm RAF holds at the offset its
// header gives, with that JPEG's own previews; its EXIF has the orientation.
func rafCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	h := readN(r, 84, 8)
	if len(h) < 8 {
		return nil, errors.New("short RAF header")
	}
	off, n := int64(binary.BigEndian.Uint32(h)), int64(binary.BigEndian.Uint32(h[4:]))
	if off <= 0 || n <= 0 || off >= size || n > size-off {
		return nil, errors.New("RAF preview out of bounds")
	}
	list, err := jpegCandidates(r, off, off+n)
	if err != nil {
		return nil, fmt.Errorf("RAF preview: %w", err)
	}
	return list, nil
}

// CR3 keeps its previews in ISO BMFF boxes: THMB (160×120) inside moov's
// Canon uuid box, PRVW (1620×1080) inside a top-level uuid box, and the
// orientation in the TIFF of CMT1.
var (
	cr3CanonUUID   = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}
	cr3PreviewUUID = []byte{0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16}
)

func cr3Candidates(r io.ReaderAt, size int64) ([]candidate, error) {
	var previews []span
	orientation := 0
	walkBoxes(r, size, func(typ string, body, end int64) int64 {
		switch typ {
		case "moov":
			return body
		case "uuid":
			switch id := readN(r, body, 16); {
			case bytes.Equal(id, cr3CanonUUID):
				return body + 16
			case bytes.Equal(id, cr3PreviewUUID):
				return body + 16 + 8
			}
		case "THMB", "PRVW":
			// The JPEG follows a short header whose layout varies.
			if i := bytes.Index(readN(r, body, 32), []byte{0xFF, 0xD8, 0xFF}); i >= 0 {
				previews = append(previews, span{body + int64(i), end - body - int64(i)})
			}
		case "CMT1":
			if t, first, err := openTIFF(r, body, end); err == nil {
				if e, _, err := t.ifd(first); err == nil {
					orientation = t.orientation(e)
				}
			}
		}
		return -1
	})
	var list []candidate
	for _, s := range previews {
		list = embedded(list, r, size, "CR3 preview", s.off, s.n, orientation)
	}
	if len(list) == 0 {
		return nil, errors.New("no readable JPEG preview in the CR3 boxes")
	}
	return list, nil
}

// heifCandidates lists the primary image of a HEIF file. Its size bound is
// the largest image spatial extent (ispe) the file declares, read from the
// boxes: the decoder's own header read gives up when the boxes that say it
// lie beyond its first 32 KiB.
func heifCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	c := candidate{what: "HEIF image", n: size, format: "heic", upright: true}
	walkBoxes(r, size, func(typ string, body, end int64) int64 {
		switch typ {
		case "meta": // a full box: version and flags come first
			return body + 4
		case "iprp", "ipco":
			return body
		case "ispe":
			if b := readN(r, body+4, 8); len(b) == 8 {
				w, h := int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))
				if int64(w)*int64(h) > int64(c.w)*int64(c.h) {
					c.w, c.h = w, h
				}
			}
		}
		return -1
	})
	if c.w <= 0 || c.h <= 0 {
		return nil, errors.New("no image size (ispe) in the HEIF boxes")
	}
	return []candidate{c}, nil
}

// walkBoxes visits the ISO BMFF boxes of a file depth first. visit gets a
// box's type and body and returns where its child boxes start, or -1 not
// to descend.
func walkBoxes(r io.ReaderAt, size int64, visit func(typ string, body, end int64) int64) {
	boxes := 0
	var walk func(start, end int64, depth int)
	walk = func(start, end int64, depth int) {
		for pos := start; pos+8 <= end && boxes < maxBoxes && depth < maxBoxDepth; {
			boxes++
			h := readN(r, pos, 16)
			if len(h) < 8 {
				return
			}
			n, typ, hdr := int64(binary.BigEndian.Uint32(h)), string(h[4:8]), int64(8)
			switch n {
			case 0:
				n = end - pos
			case 1:
				if len(h) < 16 {
					return
				}
				n, hdr = int64(binary.BigEndian.Uint64(h[8:])), 16
			}
			if n < hdr || n > end-pos {
				return
			}
			if child := visit(typ, pos+hdr, pos+n); child >= pos+hdr {
				walk(child, pos+n, depth+1)
			}
			pos += n
		}
	}
	walk(0, size, 0)
}

// rank orders candidates for decoding: first the smallest that is good
// enough for an edge-pixel rendition (or the whole image, if that is
// smaller), then the rest largest first as fallbacks. Previews whose
// aspect differs from the largest picture are dropped: they are letterboxed
// or cropped.
func rank(list []candidate, edge int) []candidate {
	if len(list) == 0 {
		return nil
	}
	ref := list[0]
	for _, c := range list {
		if c.w*c.h > ref.w*ref.h {
			ref = c
		}
	}
	need := min(edge, max(ref.w, ref.h))
	var good, rest []candidate
	for _, c := range list {
		if d := c.w*ref.h - c.h*ref.w; c != ref && max(d, -d) > ref.w*c.h/50 {
			continue
		}
		if max(c.w, c.h) >= need {
			good = append(good, c)
		} else {
			rest = append(rest, c)
		}
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].w*good[i].h < good[j].w*good[j].h })
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].w*rest[i].h > rest[j].w*rest[j].h })
	return append(good, rest...)
}
