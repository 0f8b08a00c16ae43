package containers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// ISO base media (MP4, MOV, M4A, HEIF, CR3): boxes are read by offset, so
// the media data is never touched.

const (
	// MaxBoxes bounds the boxes visited in one file.
	MaxBoxes = 20000
	// MaxBoxPayload bounds a box body loaded into memory.
	MaxBoxPayload = 16 << 20
)

// The uuid boxes of a Canon CR3: the one inside moov holds the TIFF blocks
// (CMT1…CMT4) and the thumbnail (THMB); a top-level one holds the preview
// (PRVW).
const (
	canonUUID        = "\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48"
	canonPreviewUUID = "\xea\xf4\x2b\x5e\x1c\x98\x4b\x88\xb9\xfb\xb7\xdc\x40\x6e\x4d\x16"
)

// Box is one box: its four-character type and where its body lies.
type Box struct {
	Type     string
	Off, End int64 // body, after the size and type
}

// Len is the length of the box's body.
func (b Box) Len() int64 { return b.End - b.Off }

// Boxes reads the boxes of one file. It counts every box visited by all
// its walks against MaxBoxes, so nested walks share one bound.
type Boxes struct {
	r      io.ReaderAt
	visits int
}

// NewBoxes reads boxes from r.
func NewBoxes(r io.ReaderAt) *Boxes { return &Boxes{r: r} }

// Walk calls fn for each box in [off, end), in order, and stops at fn's
// first error. The last box may be an mdat cut short (a truncated file):
// it is given with what is there. Any other box that overruns end, and a
// size too small for its header, is an error.
func (b *Boxes) Walk(off, end int64, fn func(Box) error) error {
	for off+8 <= end {
		if b.visits++; b.visits > MaxBoxes {
			return fmt.Errorf("more than %d boxes", MaxBoxes)
		}
		var hdr [16]byte
		if _, err := b.r.ReadAt(hdr[:8], off); err != nil {
			return fmt.Errorf("box header at %d: %w", off, err)
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		hlen := int64(8)
		switch size {
		case 0:
			size = end - off
		case 1:
			if _, err := b.r.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("box %q size at %d: %w", typ, off, err)
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > math.MaxInt64 {
				return fmt.Errorf("box %q at %d: size %d out of range", typ, off, u)
			}
			size, hlen = int64(u), 16
		}
		if size < hlen {
			return fmt.Errorf("box %q at %d: size %d too small", typ, off, size)
		}
		if size > end-off {
			if typ != "mdat" {
				return fmt.Errorf("truncated: box %q at %d needs %d bytes, %d left", typ, off, size, end-off)
			}
			size = end - off
		}
		if err := fn(Box{typ, off + hlen, off + size}); err != nil {
			return err
		}
		off += size
	}
	return nil
}

// Load reads a box body, at most MaxBoxPayload bytes.
func (b *Boxes) Load(bx Box) ([]byte, error) {
	n := bx.Len()
	if n > MaxBoxPayload {
		return nil, fmt.Errorf("box %q: %d bytes is more than we load", bx.Type, n)
	}
	buf := make([]byte, n)
	if _, err := b.r.ReadAt(buf, bx.Off); err != nil {
		return nil, fmt.Errorf("box %q at %d: %w", bx.Type, bx.Off, err)
	}
	return buf, nil
}

// Span is a byte range of a file.
type Span struct{ Off, N int64 }

// CR3Parts says where a Canon CR3 keeps its metadata and previews.
type CR3Parts struct {
	// CMT holds the TIFF blocks of the Canon uuid box by name: CMT1 is
	// IFD0, CMT2 the Exif IFD, CMT3 the maker notes, CMT4 the GPS IFD.
	CMT map[string]Span
	// Previews are the JPEGs of THMB (160×120) and PRVW (1620×1080).
	Previews []Span
}

// ReadCR3 finds the parts of a CR3 of size bytes. Boxes read before an
// error are kept in the parts returned with it.
func ReadCR3(r io.ReaderAt, size int64) (CR3Parts, error) {
	var c CR3Parts
	b := NewBoxes(r)
	preview := func(bx Box) {
		// The JPEG follows a short header whose layout varies.
		head := readN(r, bx.Off, 32)
		for i := 0; i+3 <= len(head); i++ {
			if head[i] == 0xFF && head[i+1] == 0xD8 && head[i+2] == 0xFF {
				c.Previews = append(c.Previews, Span{bx.Off + int64(i), bx.Len() - int64(i)})
				return
			}
		}
	}
	canon := func(bx Box) error {
		switch bx.Type {
		case "CMT1", "CMT2", "CMT3", "CMT4":
			if c.CMT == nil {
				c.CMT = map[string]Span{}
			}
			c.CMT[bx.Type] = Span{bx.Off, bx.Len()}
		case "THMB":
			preview(bx)
		}
		return nil
	}
	err := b.Walk(0, size, func(bx Box) error {
		switch bx.Type {
		case "moov":
			return b.Walk(bx.Off, bx.End, func(bx Box) error {
				if bx.Type == "uuid" && string(readN(r, bx.Off, 16)) == canonUUID {
					return b.Walk(bx.Off+16, bx.End, canon)
				}
				return nil
			})
		case "uuid":
			// The preview uuid has 8 bytes of its own before its boxes.
			// A damaged one costs only the preview: the metadata is
			// elsewhere.
			if string(readN(r, bx.Off, 16)) == canonPreviewUUID {
				_ = b.Walk(bx.Off+16+8, bx.End, func(bx Box) error {
					if bx.Type == "PRVW" {
						preview(bx)
					}
					return nil
				})
			}
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("CR3 boxes: %w", err)
	}
	if c.CMT == nil {
		return c, errors.New("no Canon metadata box")
	}
	return c, nil
}

// HEIFInfo is what the boxes of a HEIF say about its pictures.
type HEIFInfo struct {
	// Width and Height are the primary item's ispe, 0 when it has none.
	Width, Height int
	// Rotation is the primary item's irot in clockwise degrees; Rotated
	// says whether it has one.
	Rotation int
	Rotated  bool
	// MaxWidth×MaxHeight is the largest image spatial extent declared
	// for any item: the bound on what decoding the file can allocate.
	MaxWidth, MaxHeight int
	// ICC is where the primary item's colour profile lies (its colr
	// property of type prof or rICC), N 0 when it has none.
	ICC Span
}

// ReadHEIF reads the item properties of a HEIF of size bytes: the primary
// item (pitm), its properties (ipco, ipma) and among them its size (ispe)
// and rotation (irot).
func ReadHEIF(r io.ReaderAt, size int64) (HEIFInfo, error) {
	var (
		primary uint32
		ipco    []Box
		ipma    map[uint32][]int
	)
	b := NewBoxes(r)
	err := b.Walk(0, size, func(bx Box) error {
		if bx.Type != "meta" {
			return nil
		}
		// meta is a full box: version and flags come first.
		return b.Walk(bx.Off+4, bx.End, func(c Box) error {
			switch c.Type {
			case "pitm":
				d, err := b.Load(c)
				if err != nil {
					return err
				}
				if len(d) >= 6 && d[0] == 0 {
					primary = uint32(binary.BigEndian.Uint16(d[4:]))
				} else if len(d) >= 8 {
					primary = binary.BigEndian.Uint32(d[4:])
				}
			case "iprp":
				return b.Walk(c.Off, c.End, func(pc Box) error {
					switch pc.Type {
					case "ipco":
						return b.Walk(pc.Off, pc.End, func(prop Box) error {
							ipco = append(ipco, prop)
							return nil
						})
					case "ipma":
						d, err := b.Load(pc)
						if err != nil {
							return err
						}
						ipma = readIPMA(d)
					}
					return nil
				})
			}
			return nil
		})
	})
	info := heifProps(r, primary, ipco, ipma)
	if err != nil {
		return info, fmt.Errorf("HEIF boxes: %w", err)
	}
	return info, nil
}

// heifProps reads the ispe, irot and colr properties among ipco: the
// largest extent of all, and those the primary item has (the first of
// each; of colr, the first that holds a profile, as an item may have an
// nclx one beside it).
func heifProps(r io.ReaderAt, primary uint32, ipco []Box, ipma map[uint32][]int) HEIFInfo {
	var info HEIFInfo
	for _, prop := range ipco {
		if prop.Type != "ispe" {
			continue
		}
		if d := readN(r, prop.Off+4, 8); len(d) == 8 {
			w, h := int(binary.BigEndian.Uint32(d)), int(binary.BigEndian.Uint32(d[4:]))
			if int64(w)*int64(h) > int64(info.MaxWidth)*int64(info.MaxHeight) {
				info.MaxWidth, info.MaxHeight = w, h
			}
		}
	}
	sized := false // the first of each property counts
	for _, idx := range ipma[primary] {
		if idx < 1 || idx > len(ipco) {
			continue
		}
		switch prop := ipco[idx-1]; prop.Type {
		case "ispe":
			if d := readN(r, prop.Off+4, 8); len(d) == 8 && !sized {
				sized = true
				info.Width, info.Height = int(binary.BigEndian.Uint32(d)), int(binary.BigEndian.Uint32(d[4:]))
			}
		case "irot":
			if d := readN(r, prop.Off, 1); len(d) == 1 && !info.Rotated {
				info.Rotated = true
				// irot turns anti-clockwise; Rotation is clockwise.
				info.Rotation = (360 - int(d[0]&3)*90) % 360
			}
		case "colr":
			if t := string(readN(r, prop.Off, 4)); (t == "prof" || t == "rICC") && info.ICC.N == 0 && prop.Len() > 4 {
				info.ICC = Span{prop.Off + 4, prop.Len() - 4}
			}
		}
	}
	return info
}

// readIPMA reads an item property association box: for each item, the
// 1-based indexes of its properties in ipco.
func readIPMA(d []byte) map[uint32][]int {
	if len(d) < 8 {
		return nil
	}
	version, flags := d[0], d[3]
	n := int(binary.BigEndian.Uint32(d[4:]))
	ipma := map[uint32][]int{}
	i := 8
	for e := 0; e < n && i < len(d); e++ {
		var item uint32
		if version < 1 {
			if i+2 > len(d) {
				break
			}
			item, i = uint32(binary.BigEndian.Uint16(d[i:])), i+2
		} else {
			if i+4 > len(d) {
				break
			}
			item, i = binary.BigEndian.Uint32(d[i:]), i+4
		}
		if i >= len(d) {
			break
		}
		cnt := int(d[i])
		i++
		for range cnt {
			if flags&1 != 0 {
				if i+2 > len(d) {
					return ipma
				}
				ipma[item] = append(ipma[item], int(binary.BigEndian.Uint16(d[i:])&0x7fff))
				i += 2
			} else {
				if i+1 > len(d) {
					return ipma
				}
				ipma[item] = append(ipma[item], int(d[i]&0x7f))
				i++
			}
		}
	}
	return ipma
}

// readN reads n bytes at off, or fewer at the end of the file.
func readN(r io.ReaderAt, off int64, n int) []byte {
	if off < 0 || n < 0 {
		return nil
	}
	b := make([]byte, n)
	k, _ := r.ReadAt(b, off)
	return b[:k]
}
