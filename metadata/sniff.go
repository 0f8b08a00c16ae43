package metadata

import (
	"bytes"
	"encoding/binary"

	"mediabank/assets"
)

// format is a file type recognised from its first bytes.
type format struct {
	name string // short name used in messages, e.g. "JPEG"
	mime string
	kind assets.Kind
}

var (
	fmtJPEG = format{"JPEG", "image/jpeg", assets.KindPhoto}
	fmtPNG  = format{"PNG", "image/png", assets.KindPhoto}
	fmtWebP = format{"WebP", "image/webp", assets.KindPhoto}
	fmtTIFF = format{"TIFF", "image/tiff", assets.KindPhoto}
	fmtCR2  = format{"CR2", "image/x-canon-cr2", assets.KindPhoto}
	fmtNEF  = format{"NEF", "image/x-nikon-nef", assets.KindPhoto}
	fmtARW  = format{"ARW", "image/x-sony-arw", assets.KindPhoto}
	fmtDNG  = format{"DNG", "image/x-adobe-dng", assets.KindPhoto}
	fmtORF  = format{"ORF", "image/x-olympus-orf", assets.KindPhoto}
	fmtRW2  = format{"RW2", "image/x-panasonic-rw2", assets.KindPhoto}
	fmtRAF  = format{"RAF", "image/x-fuji-raf", assets.KindPhoto}
	fmtHEIC = format{"HEIC", "image/heic", assets.KindPhoto}
	fmtHEIF = format{"HEIF", "image/heif", assets.KindPhoto}
	fmtAVIF = format{"AVIF", "image/avif", assets.KindPhoto}
	fmtCR3  = format{"CR3", "image/x-canon-cr3", assets.KindPhoto}
	fmtMP4  = format{"MP4", "video/mp4", assets.KindVideo}
	fmtMOV  = format{"MOV", "video/quicktime", assets.KindVideo}
	fmt3GP  = format{"3GP", "video/3gpp", assets.KindVideo}
	fmtM4A  = format{"M4A", "audio/mp4", assets.KindAudio}
	fmtWAV  = format{"WAV", "audio/wav", assets.KindAudio}
	fmtAVI  = format{"AVI", "video/x-msvideo", assets.KindVideo}
	fmtMP3  = format{"MP3", "audio/mpeg", assets.KindAudio}
	fmtMKV  = format{"MKV", "video/x-matroska", assets.KindVideo}
	fmtMTS  = format{"MTS", "video/mp2t", assets.KindVideo}
	fmtFLAC = format{"FLAC", "audio/flac", assets.KindAudio}
	fmtOGG  = format{"OGG", "audio/ogg", assets.KindAudio}
	fmtPDF  = format{"PDF", "application/pdf", assets.KindDocument}
	fmtGIF  = format{"GIF", "image/gif", assets.KindPhoto}
)

// sniffLen is how many leading bytes sniff needs.
const sniffLen = 64

// sniff recognises a format from the first bytes of a file. TIFF-based
// RAW files share the TIFF header, so ext (lower case, no dot) decides
// between TIFF and the RAW flavours; the bytes decide everything else.
func sniff(head []byte, ext string) (format, bool) {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return fmtJPEG, true
	case has(0, "\x89PNG\r\n\x1a\n"):
		return fmtPNG, true
	case has(0, "RIFF") && has(8, "WEBP"):
		return fmtWebP, true
	case has(0, "RIFF") && has(8, "WAVE"):
		return fmtWAV, true
	case has(0, "RIFF") && has(8, "AVI "):
		return fmtAVI, true
	case has(0, "FUJIFILMCCD-RAW"):
		return fmtRAF, true
	case has(0, "IIU\x00"):
		return fmtRW2, true
	case has(0, "IIRO") || has(0, "IIRS") || has(0, "MMOR"):
		return fmtORF, true
	case has(0, "II*\x00") || has(0, "MM\x00*"):
		if has(8, "CR\x02") {
			return fmtCR2, true
		}
		switch ext {
		case "nef":
			return fmtNEF, true
		case "arw":
			return fmtARW, true
		case "dng":
			return fmtDNG, true
		case "cr2":
			return fmtCR2, true
		}
		return fmtTIFF, true
	case has(4, "ftyp"):
		return sniffBrand(head), true
	case has(4, "moov") || has(4, "mdat") || has(4, "wide") || has(4, "free"):
		// Old QuickTime files start without ftyp.
		return fmtMOV, true
	case has(0, "ID3"):
		return fmtMP3, true
	case len(head) >= 2 && head[0] == 0xff && head[1]&0xe0 == 0xe0 && head[1]&0x06 != 0:
		return fmtMP3, true
	case has(0, "\x1a\x45\xdf\xa3"):
		return fmtMKV, true
	case has(0, "fLaC"):
		return fmtFLAC, true
	case has(0, "OggS"):
		return fmtOGG, true
	case has(0, "%PDF-"):
		return fmtPDF, true
	case has(0, "GIF87a") || has(0, "GIF89a"):
		return fmtGIF, true
	case has(0, "G") && len(head) > 188 && head[188] == 'G', has(4, "G") && len(head) > 196 && head[196] == 'G':
		// MPEG transport stream, plain or with the 4-byte M2TS timecode.
		return fmtMTS, true
	}
	return format{}, false
}

// sniffBrand tells ISO base media files apart by the ftyp major brand and,
// failing that, the compatible brands.
func sniffBrand(head []byte) format {
	size := int(binary.BigEndian.Uint32(head))
	if size > len(head) || size < 16 {
		size = len(head)
	}
	brands := [][]byte{head[8:12]}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, head[i:i+4])
	}
	for _, b := range brands {
		switch string(b) {
		case "crx ":
			return fmtCR3
		case "heic", "heix", "heim", "heis":
			return fmtHEIC
		case "avif", "avis":
			return fmtAVIF
		case "mif1", "msf1":
			return fmtHEIF
		case "qt  ":
			return fmtMOV
		case "M4A ", "M4B ":
			return fmtM4A
		case "3gp4", "3gp5", "3gp6", "3g2a":
			return fmt3GP
		}
	}
	if bytes.HasPrefix(head[8:], []byte("3g")) {
		return fmt3GP
	}
	return fmtMP4
}
