package metadata

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/bep/imagemeta"

	"mediabank/containers"
)

// allSources asks bep/imagemeta for everything it reads.
const allSources = imagemeta.EXIF | imagemeta.IPTC | imagemeta.XMP | imagemeta.CONFIG

// maxTags bounds the tags read from one EXIF block, so that a crafted
// file cannot make us collect millions of entries.
const maxTags = 5000

// readImageTags reads EXIF, IPTC and XMP with bep/imagemeta (chosen by
// measurement, see docs/metadata.md) and returns the pixel size the image
// data declares (0 when the decoder does not report it).
func readImageTags(r io.ReadSeeker, f imagemeta.ImageFormat, sources imagemeta.Source, p props, warn func(string)) (w, h int, err error) {
	var xmpErr error
	res, err := imagemeta.Decode(imagemeta.Options{
		R:            r,
		ImageFormat:  f,
		Sources:      sources,
		LimitNumTags: maxTags,
		ShouldHandleTag: func(ti imagemeta.TagInfo) bool {
			return ti.Source != imagemeta.EXIF || exifGroup(ti.Namespace) != ""
		},
		HandleTag: func(ti imagemeta.TagInfo) error {
			switch ti.Source {
			case imagemeta.EXIF:
				if g := exifGroup(ti.Namespace); g != "" {
					p.setDefault(g+":"+ti.Tag, ti.Value)
				}
			case imagemeta.IPTC:
				p.setDefault("IPTC:"+ti.Tag, ti.Value)
			}
			return nil
		},
		// Our own XMP reader keeps lists, language alternatives and
		// UTF-16 packets, and a bad packet costs only the XMP.
		HandleXMP: func(xr io.Reader) error {
			b, err := io.ReadAll(io.LimitReader(xr, maxXMPBytes))
			if err != nil {
				return err
			}
			if err := parseXMP(b, p); err != nil && xmpErr == nil {
				xmpErr = err
			}
			return nil
		},
		Warnf: func(format string, args ...any) { warn(fmt.Sprintf(format, args...)) },
	})
	if xmpErr != nil {
		warn(xmpErr.Error())
	}
	return res.ImageConfig.Width, res.ImageConfig.Height, err
}

// exifGroup maps bep/imagemeta's IFD path to ExifTool's group name. The
// thumbnail IFD1 and the interoperability IFD (whose tag numbers bep
// names as GPS tags) are dropped.
func exifGroup(namespace string) string {
	last := namespace[strings.LastIndex(namespace, "/")+1:]
	switch {
	case last == "IFD0", strings.HasPrefix(last, "SubIFD"):
		return last
	case last == "ExifIFDP":
		return "ExifIFD"
	case last == "GPSInfoIFD":
		return "GPS"
	}
	return ""
}

// jpegSegments walks the JPEG markers before the image data for what
// bep/imagemeta does not give: the frame size (as a fallback) and the
// Photoshop IPTCDigest, which tells whether XMP and IPTC are in sync.
func jpegSegments(r io.ReaderAt, size int64, p props) (w, h int, err error) {
	err = containers.JPEGSegments(r, 0, size, func(s containers.Segment) error {
		m := s.Marker
		isSOF := m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc
		if isSOF && w == 0 && s.N >= 5 {
			var sof [5]byte
			if _, err := r.ReadAt(sof[:], s.Off); err != nil {
				return fmt.Errorf("jpeg frame header: %w", err)
			}
			h = int(binary.BigEndian.Uint16(sof[1:]))
			w = int(binary.BigEndian.Uint16(sof[3:]))
		}
		if m == 0xed && s.N > 14 {
			seg := make([]byte, s.N)
			if _, err := r.ReadAt(seg, s.Off); err != nil {
				return fmt.Errorf("jpeg APP13: %w", err)
			}
			photoshopDigest(seg, p)
		}
		return nil
	})
	return w, h, err
}

// photoshopDigest compares the IPTCDigest (resource 0x0425) that
// MWG-aware tools store with the MD5 of the IPTC block (resource 0x0404)
// and records whether it is stale: then IPTC was edited by a tool that
// did not update XMP, and IPTC wins (MWG guidelines, 2010, §4.1.1).
func photoshopDigest(seg []byte, p props) {
	body, ok := bytes.CutPrefix(seg, []byte("Photoshop 3.0\x00"))
	if !ok {
		return
	}
	var iptc, digest []byte
	for len(body) >= 12 && string(body[:4]) == "8BIM" {
		id := binary.BigEndian.Uint16(body[4:])
		nameLen := int(body[6]) + 1
		if nameLen%2 == 1 {
			nameLen++
		}
		if 6+nameLen+4 > len(body) {
			return
		}
		size := int(binary.BigEndian.Uint32(body[6+nameLen:]))
		data := body[6+nameLen+4:]
		if size > len(data) {
			return
		}
		switch id {
		case 0x0404:
			iptc = data[:size]
		case 0x0425:
			digest = data[:size]
		}
		next := size + size%2
		if next > len(data) {
			break
		}
		body = data[next:]
	}
	if iptc != nil && len(digest) == md5.Size {
		sum := md5.Sum(iptc)
		p["Photoshop:IPTCDigestStale"] = !bytes.Equal(sum[:], digest)
	}
}

// pngXMP reads XMP from iTXt chunks anywhere in a PNG: bep/imagemeta stops
// at the image data, and some writers put XMP after it.
func pngXMP(r io.ReaderAt, size int64, p props) error {
	off := int64(8)
	for n := 0; off+12 <= size && n < containers.MaxBoxes; n++ {
		var hdr [8]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("png chunk at %d: %w", off, err)
		}
		clen := int64(binary.BigEndian.Uint32(hdr[:4]))
		if string(hdr[4:]) == "IEND" {
			return nil
		}
		if string(hdr[4:]) == "iTXt" && clen <= maxXMPBytes {
			d := make([]byte, clen)
			if _, err := r.ReadAt(d, off+8); err != nil {
				return fmt.Errorf("png iTXt at %d: %w", off, err)
			}
			key, rest, _ := bytes.Cut(d, []byte{0})
			// Uncompressed text only: compression flag, method, then
			// language and translated keyword, each NUL-terminated.
			if string(key) == "XML:com.adobe.xmp" && len(rest) >= 2 && rest[0] == 0 {
				parts := bytes.SplitN(rest[2:], []byte{0}, 3)
				if len(parts) == 3 {
					if err := parseXMP(parts[2], p); err != nil {
						return err
					}
				}
			}
		}
		off += 12 + clen
	}
	return nil
}
