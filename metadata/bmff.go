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

	"mediabank/containers"
)

// ISO base media (MP4, MOV, M4A, HEIF, CR3) reading: only the boxes that
// hold metadata are read, by offset, so the media data is never touched.

// errNoMovie is returned for an MP4/MOV without a readable movie header.
var errNoMovie = errors.New("truncated or damaged: no movie header (moov box)")

// qtEpoch is the QuickTime/MP4 time origin; its times are UTC.
var qtEpoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

// bmff reads the movie boxes (moov) of a file and collects values into p.
type bmff struct {
	boxes *containers.Boxes
	r     io.ReaderAt
	p     props
	// track state while inside one trak.
	handler   string
	tkW       float64
	tkH       float64
	tkRot     int
	hasMoov   bool
	qtKeys    []string
	videoDone bool
}

func newBMFF(r io.ReaderAt, p props) *bmff {
	return &bmff{boxes: containers.NewBoxes(r), r: r, p: p}
}

// walk reads the boxes of the file in [off, end).
func (b *bmff) walk(off, end int64) error { return b.boxes.Walk(off, end, b.top) }

func (b *bmff) top(bx containers.Box) error {
	if bx.Type == "moov" {
		b.hasMoov = true
		return b.boxes.Walk(bx.Off, bx.End, b.moov)
	}
	return nil
}

func (b *bmff) moov(bx containers.Box) error {
	switch bx.Type {
	case "mvhd":
		return b.mvhd(bx)
	case "trak":
		b.handler, b.tkW, b.tkH, b.tkRot = "", 0, 0, 0
		if err := b.boxes.Walk(bx.Off, bx.End, b.trak); err != nil {
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
		return b.boxes.Walk(bx.Off, bx.End, b.udta)
	case "meta":
		return b.qtMeta(bx)
	}
	return nil
}

func (b *bmff) mvhd(bx containers.Box) error {
	d, err := b.boxes.Load(bx)
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

func (b *bmff) trak(bx containers.Box) error {
	switch bx.Type {
	case "tkhd":
		d, err := b.boxes.Load(bx)
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
		return b.boxes.Walk(bx.Off, bx.End, b.trak)
	case "hdlr":
		d, err := b.boxes.Load(bx)
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
func (b *bmff) udta(bx containers.Box) error {
	switch bx.Type {
	case "\xa9xyz", "\xa9ART":
		d, err := b.boxes.Load(bx)
		if err != nil {
			return err
		}
		if len(d) < 4 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(d))
		s := string(d[4:min(4+n, len(d))])
		switch bx.Type {
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
		d, err := b.boxes.Load(bx)
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
func (b *bmff) loci(bx containers.Box) error {
	d, err := b.boxes.Load(bx)
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
func (b *bmff) qtMeta(bx containers.Box) error {
	var peek [8]byte
	if _, err := b.r.ReadAt(peek[:], bx.Off); err == nil && string(peek[4:8]) != "hdlr" {
		bx.Off += 4
	}
	return b.boxes.Walk(bx.Off, bx.End, func(c containers.Box) error {
		switch c.Type {
		case "keys":
			d, err := b.boxes.Load(c)
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
			return b.boxes.Walk(c.Off, c.End, b.ilstItem)
		}
		return nil
	})
}

// ilstItem reads one item of an ilst: a four-character name or, after a
// keys box, a 1-based key index; the value is in a data box.
func (b *bmff) ilstItem(item containers.Box) error {
	name := item.Type
	if idx := binary.BigEndian.Uint32([]byte(item.Type)); b.qtKeys != nil && idx >= 1 && int(idx) <= len(b.qtKeys) {
		name = b.qtKeys[idx-1]
	}
	return b.boxes.Walk(item.Off, item.End, func(c containers.Box) error {
		if c.Type != "data" {
			return nil
		}
		d, err := b.boxes.Load(c)
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
