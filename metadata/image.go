package metadata

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/bep/imagemeta"
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
	off := int64(2)
	for segs := 0; off+4 <= size && segs < 1000; segs++ {
		var hdr [4]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return w, h, fmt.Errorf("jpeg marker at %d: %w", off, err)
		}
		if hdr[0] != 0xff {
			return w, h, fmt.Errorf("jpeg: no marker at offset %d", off)
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
			return w, h, nil
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:]))
		if n < 2 {
			return w, h, fmt.Errorf("jpeg: bad segment length at offset %d", off)
		}
		isSOF := marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
		if isSOF && w == 0 && n >= 7 {
			var sof [5]byte
			if _, err := r.ReadAt(sof[:], off+4); err != nil {
				return w, h, fmt.Errorf("jpeg frame header: %w", err)
			}
			h = int(binary.BigEndian.Uint16(sof[1:]))
			w = int(binary.BigEndian.Uint16(sof[3:]))
		}
		if marker == 0xed && n > 16 {
			seg := make([]byte, n-2)
			if _, err := r.ReadAt(seg, off+4); err != nil {
				return w, h, fmt.Errorf("jpeg APP13: %w", err)
			}
			photoshopDigest(seg, p)
		}
		off += 2 + n
	}
	return w, h, nil
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

// rafParts finds the JPEG that carries a Fujifilm RAF's EXIF and reads the
// cropped sensor size from the RAF directory.
func rafParts(r io.ReaderAt, size int64) (jpegOff, jpegLen int64, w, h int, err error) {
	var hdr [100]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("raf header: %w", err)
	}
	jpegOff = int64(binary.BigEndian.Uint32(hdr[84:]))
	jpegLen = int64(binary.BigEndian.Uint32(hdr[88:]))
	if jpegOff <= 0 || jpegLen <= 0 || jpegOff+jpegLen > size {
		return 0, 0, 0, 0, fmt.Errorf("raf: embedded JPEG at %d+%d lies outside the %d-byte file", jpegOff, jpegLen, size)
	}
	dirOff := int64(binary.BigEndian.Uint32(hdr[92:]))
	var cnt [4]byte
	if dirOff <= 0 || dirOff+4 > size {
		return jpegOff, jpegLen, 0, 0, nil
	}
	if _, err := r.ReadAt(cnt[:], dirOff); err != nil {
		return jpegOff, jpegLen, 0, 0, nil
	}
	off := dirOff + 4
	for i := uint32(0); i < min(binary.BigEndian.Uint32(cnt[:]), 256); i++ {
		var e [8]byte
		if _, err := r.ReadAt(e[:], off); err != nil {
			break
		}
		tag, n := binary.BigEndian.Uint16(e[:]), int64(binary.BigEndian.Uint16(e[2:]))
		if tag == 0x0111 && n == 4 { // RawImageCroppedSize: height, width
			h, w = int(binary.BigEndian.Uint16(e[4:])), int(binary.BigEndian.Uint16(e[6:]))
			break
		}
		off += 4 + n
	}
	return jpegOff, jpegLen, w, h, nil
}

// pngXMP reads XMP from iTXt chunks anywhere in a PNG: bep/imagemeta stops
// at the image data, and some writers put XMP after it.
func pngXMP(r io.ReaderAt, size int64, p props) error {
	off := int64(8)
	for n := 0; off+12 <= size && n < maxBoxes; n++ {
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
