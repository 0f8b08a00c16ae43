package metadata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ISO base media (MP4, MOV, M4A, HEIF, CR3) reading: only the boxes that
// hold metadata are read, by offset, so the media data is never touched.

const (
	// maxBoxes bounds the boxes visited in one file.
	maxBoxes = 20000
	// maxBoxPayload bounds a metadata box we load into memory.
	maxBoxPayload = 16 << 20
)

// errNoMovie is returned for an MP4/MOV without a readable movie header.
var errNoMovie = errors.New("truncated or damaged: no movie header (moov box)")

// canonUUID is the uuid box in which a CR3 keeps its TIFF blocks.
var canonUUID = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}

// qtEpoch is the QuickTime/MP4 time origin; its times are UTC.
var qtEpoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

type box struct {
	typ      string
	off, end int64 // payload
}

// bmff reads boxes from r and collects values into p.
type bmff struct {
	r      io.ReaderAt
	p      props
	visits int
	// tiffs are the CR3 TIFF blocks, by box name (CMT1…CMT4).
	tiffs map[string]box
	// track state while inside one trak.
	handler string
	tkW     float64
	tkH     float64
	tkRot   int
	// HEIF item properties.
	primary   uint32
	ipco      []box
	ipma      map[uint32][]int
	hasMoov   bool
	qtKeys    []string
	videoDone bool
}

// walk visits the boxes in [off, end) and calls fn for each.
func (b *bmff) walk(off, end int64, fn func(box) error) error {
	for off+8 <= end {
		if b.visits++; b.visits > maxBoxes {
			return fmt.Errorf("more than %d boxes", maxBoxes)
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
		if off+size > end {
			// The last box of a cut file: read what is there.
			if typ != "mdat" {
				return fmt.Errorf("truncated: box %q at %d needs %d bytes, %d left", typ, off, size, end-off)
			}
			size = end - off
		}
		if err := fn(box{typ, off + hlen, off + size}); err != nil {
			return err
		}
		off += size
	}
	return nil
}

// load reads a box payload, bounded by maxBoxPayload.
func (b *bmff) load(bx box) ([]byte, error) {
	n := bx.end - bx.off
	if n > maxBoxPayload {
		return nil, fmt.Errorf("box %q: %d bytes is more than we read for metadata", bx.typ, n)
	}
	buf := make([]byte, n)
	if _, err := b.r.ReadAt(buf, bx.off); err != nil {
		return nil, fmt.Errorf("box %q at %d: %w", bx.typ, bx.off, err)
	}
	return buf, nil
}

func (b *bmff) top(bx box) error {
	switch bx.typ {
	case "moov":
		b.hasMoov = true
		return b.walk(bx.off, bx.end, b.moov)
	case "meta":
		return b.heifMeta(bx)
	}
	return nil
}

func (b *bmff) moov(bx box) error {
	switch bx.typ {
	case "mvhd":
		return b.mvhd(bx)
	case "trak":
		b.handler, b.tkW, b.tkH, b.tkRot = "", 0, 0, 0
		if err := b.walk(bx.off, bx.end, b.trak); err != nil {
			return err
		}
		// The first video track gives the frame size and rotation.
		if b.handler == "vide" && !b.videoDone && b.tkW > 0 {
			b.videoDone = true
			b.p.setDefault("Track:ImageWidth", int(math.Round(b.tkW)))
			b.p.setDefault("Track:ImageHeight", int(math.Round(b.tkH)))
			b.p.setDefault("Track:Rotation", b.tkRot)
		}
	case "udta":
		return b.walk(bx.off, bx.end, b.udta)
	case "meta":
		return b.qtMeta(bx)
	case "uuid":
		return b.canon(bx)
	}
	return nil
}

func (b *bmff) mvhd(bx box) error {
	d, err := b.load(bx)
	if err != nil {
		return err
	}
	var created, scale, dur uint64
	switch {
	case len(d) >= 32 && d[0] == 1:
		created = binary.BigEndian.Uint64(d[4:])
		scale = uint64(binary.BigEndian.Uint32(d[20:]))
		dur = binary.BigEndian.Uint64(d[24:])
	case len(d) >= 20:
		created = uint64(binary.BigEndian.Uint32(d[4:]))
		scale = uint64(binary.BigEndian.Uint32(d[12:]))
		dur = uint64(binary.BigEndian.Uint32(d[16:]))
	default:
		return fmt.Errorf("mvhd: %d bytes is too short", len(d))
	}
	if created != 0 && created < 1<<40 {
		b.p.setDefault("QuickTime:CreateDate", qtEpoch.Add(time.Duration(created)*time.Second))
	}
	if scale != 0 && dur != math.MaxUint32 && dur != math.MaxUint64 {
		b.p.setDefault("QuickTime:Duration", float64(dur)/float64(scale))
	}
	return nil
}

func (b *bmff) trak(bx box) error {
	switch bx.typ {
	case "tkhd":
		d, err := b.load(bx)
		if err != nil {
			return err
		}
		// Version 1 widens the times and duration by 12 bytes.
		m := 40
		if len(d) > 0 && d[0] == 1 {
			m = 52
		}
		if len(d) < m+44 {
			return nil
		}
		fix := func(i int) float64 { return float64(int32(binary.BigEndian.Uint32(d[i:]))) / 65536 }
		a, c := fix(m), fix(m+4)
		b.tkRot = (int(math.Round(math.Atan2(c, a)*180/math.Pi)) + 360) % 360
		b.tkW, b.tkH = fix(m+36), fix(m+40)
	case "mdia":
		return b.walk(bx.off, bx.end, b.trak)
	case "hdlr":
		d, err := b.load(bx)
		if err != nil {
			return err
		}
		if len(d) >= 12 {
			b.handler = string(d[8:12])
		}
	}
	return nil
}

// udta holds QuickTime user data: ©xyz (ISO 6709 position), ©ART, and the
// 3GPP loci box.
func (b *bmff) udta(bx box) error {
	switch bx.typ {
	case "\xa9xyz", "\xa9ART":
		d, err := b.load(bx)
		if err != nil {
			return err
		}
		if len(d) < 4 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(d))
		s := string(d[4:min(4+n, len(d))])
		switch bx.typ {
		case "\xa9xyz":
			if c, ok := iso6709(s); ok {
				b.p.setDefault("UserData:GPSCoordinates", c)
			}
		case "\xa9ART":
			b.p.setDefault("UserData:Artist", s)
		}
	case "loci":
		return b.loci(bx)
	case "XMP_":
		d, err := b.load(bx)
		if err != nil {
			return err
		}
		return parseXMP(d, b.p)
	case "meta":
		return b.qtMeta(bx)
	}
	return nil
}

// loci is the 3GPP location box: name, role, then 16.16 fixed
// longitude, latitude and altitude.
func (b *bmff) loci(bx box) error {
	d, err := b.load(bx)
	if err != nil {
		return err
	}
	if len(d) < 6 {
		return nil
	}
	i := bytes.IndexByte(d[6:], 0)
	if i < 0 {
		return nil
	}
	i += 6 + 1 + 1 // name, NUL, role
	if len(d) < i+12 {
		return nil
	}
	fix := func(j int) float64 { return float64(int32(binary.BigEndian.Uint32(d[j:]))) / 65536 }
	lon, lat, alt := fix(i), fix(i+4), fix(i+8)
	b.p.setDefault("UserData:LocationInformation", []float64{lat, lon, alt})
	return nil
}

// qtMeta reads a metadata box: the QuickTime keys/ilst pair (mdta) or an
// iTunes-style ilst (mdir). ISO's meta is a full box; Apple's is not.
func (b *bmff) qtMeta(bx box) error {
	var peek [8]byte
	if _, err := b.r.ReadAt(peek[:], bx.off); err == nil && string(peek[4:8]) != "hdlr" {
		bx.off += 4
	}
	return b.walk(bx.off, bx.end, func(c box) error {
		switch c.typ {
		case "keys":
			d, err := b.load(c)
			if err != nil {
				return err
			}
			b.qtKeys = nil
			for i := 8; i+8 <= len(d) && len(b.qtKeys) < 1000; {
				n := int(binary.BigEndian.Uint32(d[i:]))
				if n < 8 || i+n > len(d) {
					break
				}
				b.qtKeys = append(b.qtKeys, string(d[i+8:i+n]))
				i += n
			}
		case "ilst":
			return b.walk(c.off, c.end, b.ilstItem)
		}
		return nil
	})
}

// ilstItem reads one item of an ilst: a four-character name or, after a
// keys box, a 1-based key index; the value is in a data box.
func (b *bmff) ilstItem(item box) error {
	name := item.typ
	if idx := binary.BigEndian.Uint32([]byte(item.typ)); b.qtKeys != nil && idx >= 1 && int(idx) <= len(b.qtKeys) {
		name = b.qtKeys[idx-1]
	}
	return b.walk(item.off, item.end, func(c box) error {
		if c.typ != "data" {
			return nil
		}
		d, err := b.load(c)
		if err != nil || len(d) < 8 {
			return err
		}
		s := string(d[8:])
		switch name {
		case "com.apple.quicktime.location.ISO6709", "location": // Apple's key, ffmpeg's key
			if c, ok := iso6709(s); ok {
				b.p.setDefault("Keys:GPSCoordinates", c)
			}
		case "com.apple.quicktime.creationdate":
			if t, ok := parseTime(s, nil); ok {
				b.p.setDefault("Keys:CreationDate", t)
			}
		case "com.apple.quicktime.make":
			b.p.setDefault("Keys:Make", s)
		case "com.apple.quicktime.model":
			b.p.setDefault("Keys:Model", s)
		case "com.apple.quicktime.artist", "com.apple.quicktime.author":
			b.p.setDefault("Keys:Artist", s)
		case "\xa9ART":
			b.p.setDefault("ItemList:Artist", s)
		}
		return nil
	})
}

// iso6709 parses "+DD.DDDD+DDD.DDDD[+AAA.AAA]/" positions into latitude,
// longitude and, when given, altitude.
func iso6709(s string) ([]float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "/"))
	var parts []float64
	for len(s) > 0 && len(parts) < 3 {
		j := strings.IndexAny(s[1:], "+-")
		field := s
		if j >= 0 {
			field = s[:j+1]
		}
		f, err := strconv.ParseFloat(field, 64)
		if err != nil {
			return nil, false
		}
		parts = append(parts, f)
		if j < 0 {
			break
		}
		s = s[j+1:]
	}
	return parts, len(parts) >= 2
}

// canon reads the uuid box in which a CR3 keeps TIFF blocks: CMT1 is
// IFD0, CMT2 the Exif IFD, CMT4 the GPS IFD.
func (b *bmff) canon(bx box) error {
	var id [16]byte
	if _, err := b.r.ReadAt(id[:], bx.off); err != nil || !bytes.Equal(id[:], canonUUID) {
		return nil
	}
	return b.walk(bx.off+16, bx.end, func(c box) error {
		switch c.typ {
		case "CMT1", "CMT2", "CMT4":
			if b.tiffs == nil {
				b.tiffs = map[string]box{}
			}
			b.tiffs[c.typ] = c
		}
		return nil
	})
}

// heifMeta reads the primary item of a HEIF: its ispe (size) and irot
// (rotation) properties.
func (b *bmff) heifMeta(bx box) error {
	err := b.walk(bx.off+4, bx.end, func(c box) error {
		switch c.typ {
		case "pitm":
			d, err := b.load(c)
			if err != nil {
				return err
			}
			if len(d) >= 6 && d[0] == 0 {
				b.primary = uint32(binary.BigEndian.Uint16(d[4:]))
			} else if len(d) >= 8 {
				b.primary = binary.BigEndian.Uint32(d[4:])
			}
		case "iprp":
			return b.walk(c.off, c.end, func(pc box) error {
				switch pc.typ {
				case "ipco":
					return b.walk(pc.off, pc.end, func(prop box) error {
						b.ipco = append(b.ipco, prop)
						return nil
					})
				case "ipma":
					return b.readIPMA(pc)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, idx := range b.ipma[b.primary] {
		if idx < 1 || idx > len(b.ipco) {
			continue
		}
		prop := b.ipco[idx-1]
		switch prop.typ {
		case "ispe":
			d, err := b.load(prop)
			if err != nil {
				return err
			}
			if len(d) >= 12 {
				b.p.setDefault("HEIF:ImageWidth", int(binary.BigEndian.Uint32(d[4:])))
				b.p.setDefault("HEIF:ImageHeight", int(binary.BigEndian.Uint32(d[8:])))
			}
		case "irot":
			d, err := b.load(prop)
			if err != nil {
				return err
			}
			if len(d) >= 1 {
				// irot turns anti-clockwise; Rotation is clockwise.
				b.p.setDefault("HEIF:Rotation", (360-int(d[0]&3)*90)%360)
			}
		}
	}
	return nil
}

func (b *bmff) readIPMA(c box) error {
	d, err := b.load(c)
	if err != nil {
		return err
	}
	if len(d) < 8 {
		return nil
	}
	version, flags := d[0], d[3]
	n := int(binary.BigEndian.Uint32(d[4:]))
	b.ipma = map[uint32][]int{}
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
		for k := 0; k < cnt; k++ {
			if flags&1 != 0 {
				if i+2 > len(d) {
					return nil
				}
				b.ipma[item] = append(b.ipma[item], int(binary.BigEndian.Uint16(d[i:])&0x7fff))
				i += 2
			} else {
				if i+1 > len(d) {
					return nil
				}
				b.ipma[item] = append(b.ipma[item], int(d[i]&0x7f))
				i++
			}
		}
	}
	return nil
}
