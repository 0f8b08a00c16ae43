// Package containers reads the structure of media files: magic bytes, ISO
// BMFF boxes (MP4, MOV, HEIF, CR3), TIFF IFDs (TIFF, EXIF, MPF and the
// TIFF-based RAW files), JPEG segments and Fujifilm RAF headers. It finds
// where things are; what they mean is for its callers (metadata reads
// tags, renditions decodes pictures). Every reader works on an
// io.ReaderAt, reads only what it needs, and bounds counts, sizes and
// depth so that hostile bytes give an error or less, never a panic or an
// unbounded loop.
package containers

import (
	"bytes"
	"encoding/binary"
)

// Format is a file type recognised from its first bytes.
type Format struct {
	Name string // short name used in messages, e.g. "JPEG"
	MIME string
}

// The formats Sniff recognises.
var (
	JPEG = Format{"JPEG", "image/jpeg"}
	PNG  = Format{"PNG", "image/png"}
	GIF  = Format{"GIF", "image/gif"}
	WebP = Format{"WebP", "image/webp"}
	TIFF = Format{"TIFF", "image/tiff"}
	CR2  = Format{"CR2", "image/x-canon-cr2"}
	NEF  = Format{"NEF", "image/x-nikon-nef"}
	ARW  = Format{"ARW", "image/x-sony-arw"}
	DNG  = Format{"DNG", "image/x-adobe-dng"}
	ORF  = Format{"ORF", "image/x-olympus-orf"}
	RW2  = Format{"RW2", "image/x-panasonic-rw2"}
	RAF  = Format{"RAF", "image/x-fuji-raf"}
	HEIC = Format{"HEIC", "image/heic"}
	HEIF = Format{"HEIF", "image/heif"}
	AVIF = Format{"AVIF", "image/avif"}
	CR3  = Format{"CR3", "image/x-canon-cr3"}
	MP4  = Format{"MP4", "video/mp4"}
	MOV  = Format{"MOV", "video/quicktime"}
	TGP  = Format{"3GP", "video/3gpp"}
	M4A  = Format{"M4A", "audio/mp4"}
	WAV  = Format{"WAV", "audio/wav"}
	AVI  = Format{"AVI", "video/x-msvideo"}
	MP3  = Format{"MP3", "audio/mpeg"}
	MKV  = Format{"MKV", "video/x-matroska"}
	MTS  = Format{"MTS", "video/mp2t"}
	FLAC = Format{"FLAC", "audio/flac"}
	OGG  = Format{"OGG", "audio/ogg"}
	PDF  = Format{"PDF", "application/pdf"}
)

// TIFFBased tells whether f is TIFF or a RAW format laid out as TIFF IFDs.
func (f Format) TIFFBased() bool {
	switch f {
	case TIFF, CR2, NEF, ARW, DNG, ORF, RW2:
		return true
	}
	return false
}

// SniffLen is how many leading bytes callers give Sniff: enough for the
// second packet of an M2TS stream (4-byte timecode + 188-byte packets).
const SniffLen = 200

// Sniff recognises a format from the first bytes of a file. TIFF-based
// RAW files share the TIFF header, so ext (lower case, no dot) decides
// between TIFF and the RAW flavours; the bytes decide everything else.
func Sniff(head []byte, ext string) (Format, bool) {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return JPEG, true
	case has(0, "\x89PNG\r\n\x1a\n"):
		return PNG, true
	case has(0, "RIFF") && has(8, "WEBP"):
		return WebP, true
	case has(0, "RIFF") && has(8, "WAVE"):
		return WAV, true
	case has(0, "RIFF") && has(8, "AVI "):
		return AVI, true
	case has(0, "FUJIFILMCCD-RAW"):
		return RAF, true
	case has(0, "IIU\x00"):
		return RW2, true
	case has(0, "IIRO") || has(0, "IIRS") || has(0, "MMOR"):
		return ORF, true
	case has(0, "II*\x00") || has(0, "MM\x00*"):
		if has(8, "CR\x02") {
			return CR2, true
		}
		switch ext {
		case "nef":
			return NEF, true
		case "arw":
			return ARW, true
		case "dng":
			return DNG, true
		case "cr2":
			return CR2, true
		}
		return TIFF, true
	case has(4, "ftyp"):
		return sniffBrand(head), true
	case has(4, "moov") || has(4, "mdat") || has(4, "wide") || has(4, "free"):
		// Old QuickTime files start without ftyp.
		return MOV, true
	case has(0, "ID3"):
		return MP3, true
	case len(head) >= 2 && head[0] == 0xff && head[1]&0xe0 == 0xe0 && head[1]&0x06 != 0:
		return MP3, true
	case has(0, "\x1a\x45\xdf\xa3"):
		return MKV, true
	case has(0, "fLaC"):
		return FLAC, true
	case has(0, "OggS"):
		return OGG, true
	case has(0, "%PDF-"):
		return PDF, true
	case has(0, "GIF87a") || has(0, "GIF89a"):
		return GIF, true
	case has(0, "G") && len(head) > 188 && head[188] == 'G', has(4, "G") && len(head) > 196 && head[196] == 'G':
		// MPEG transport stream, plain or with the 4-byte M2TS timecode.
		return MTS, true
	}
	return Format{}, false
}

// sniffBrand tells ISO base media files apart by the ftyp major brand and,
// failing that, the compatible brands.
func sniffBrand(head []byte) Format {
	size := int(binary.BigEndian.Uint32(head))
	if size > len(head) || size < 16 {
		size = len(head)
	}
	brands := [][]byte{head[8:min(12, len(head))]}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, head[i:i+4])
	}
	for _, b := range brands {
		switch string(b) {
		case "crx ":
			return CR3
		case "heic", "heix", "heim", "heis":
			return HEIC
		case "avif", "avis":
			return AVIF
		case "mif1", "msf1":
			return HEIF
		case "qt  ":
			return MOV
		case "M4A ", "M4B ":
			return M4A
		case "3gp4", "3gp5", "3gp6", "3g2a":
			return TGP
		}
	}
	if len(head) > 8 && bytes.HasPrefix(head[8:], []byte("3g")) {
		return TGP
	}
	return MP4
}
