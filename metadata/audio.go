package metadata

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"mediabank/containers"
)

// readWAV walks the RIFF chunks of a WAV file: fmt and data give the
// duration; LIST/INFO and Pentax's LIST/exif give date, make and model.
func readWAV(r io.ReaderAt, size int64, p props) error {
	var byteRate uint32
	var dataLen int64
	off := int64(12)
	for n := 0; off+8 <= size && n < containers.MaxBoxes; n++ {
		var hdr [8]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("riff chunk at %d: %w", off, err)
		}
		id := string(hdr[:4])
		clen := int64(binary.LittleEndian.Uint32(hdr[4:]))
		body := off + 8
		switch id {
		case "fmt ":
			var f [16]byte
			if _, err := r.ReadAt(f[:], body); err != nil {
				return fmt.Errorf("wav fmt chunk: %w", err)
			}
			byteRate = binary.LittleEndian.Uint32(f[8:])
		case "data":
			dataLen = min(clen, size-body)
			if clen == 0 || clen == 0xffffffff { // streaming writers leave it unset
				dataLen = size - body
			}
		case "LIST":
			if clen <= containers.MaxBoxPayload && body+clen <= size && clen >= 4 {
				d := make([]byte, clen)
				if _, err := r.ReadAt(d, body); err != nil {
					return fmt.Errorf("wav LIST chunk: %w", err)
				}
				riffList(d, p)
			}
		}
		off = body + clen + clen%2
	}
	if byteRate == 0 {
		return fmt.Errorf("wav: no fmt chunk")
	}
	p.setDefault("RIFF:Duration", float64(dataLen)/float64(byteRate))
	return nil
}

// riffTags names the sub-chunks of LIST chunks that are read, by list
// kind and chunk id.
var riffTags = map[string]string{
	"INFO/ICRD": "RIFF:DateCreated",
	"INFO/IART": "RIFF:Artist",
	"INFO/ICOP": "RIFF:Copyright",
	"exif/etim": "RIFF:TimeCreated",
	"exif/ecor": "RIFF:Make",
	"exif/emdl": "RIFF:Model",
}

// riffList reads the sub-chunks of a LIST chunk.
func riffList(d []byte, p props) {
	kind := string(d[:4])
	for i := 4; i+8 <= len(d); {
		id := string(d[i : i+4])
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		if n < 0 || i+8+n > len(d) {
			return
		}
		v := cleanText(string(d[i+8 : i+8+n]))
		if tag, ok := riffTags[kind+"/"+id]; ok {
			p.setDefault(tag, v)
		}
		i += 8 + n + n%2
	}
}

// mpeg audio frame tables: bitrates in kbit/s by [version==1][layer-1],
// sample rates by version.
var (
	mpegBitrates = [2][3][16]int{
		{ // MPEG 2 and 2.5
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
		},
		{ // MPEG 1
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
			{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
		},
	}
	mpegRates = map[byte][3]int{3: {44100, 48000, 32000}, 2: {22050, 24000, 16000}, 0: {11025, 12000, 8000}}
)

// readMP3 reads the ID3v2 artist and the duration: from the Xing/Info
// frame count of a VBR file, else from the bitrate of the first frame.
func readMP3(r io.ReaderAt, size int64, p props) error {
	start := int64(0)
	var hdr [10]byte
	if _, err := r.ReadAt(hdr[:], 0); err == nil && string(hdr[:3]) == "ID3" {
		tagLen := int64(hdr[6]&0x7f)<<21 | int64(hdr[7]&0x7f)<<14 | int64(hdr[8]&0x7f)<<7 | int64(hdr[9]&0x7f)
		start = 10 + tagLen
		if tagLen <= containers.MaxBoxPayload && start <= size {
			d := make([]byte, tagLen)
			if _, err := r.ReadAt(d, 10); err == nil {
				id3Frames(d, hdr[3], p)
			}
		}
	}
	end := size
	var tail [128]byte
	if size >= 128 {
		if _, err := r.ReadAt(tail[:], size-128); err == nil && string(tail[:3]) == "TAG" {
			end -= 128
			p.setDefault("ID3v1:Artist", cleanText(string(tail[33:63])))
		}
	}
	// Find the first frame sync within a bounded window.
	buf := make([]byte, min(64<<10, max(end-start, 0)))
	n, _ := r.ReadAt(buf, start)
	buf = buf[:n]
	for i := 0; i+4 <= len(buf); i++ {
		if buf[i] != 0xff || buf[i+1]&0xe0 != 0xe0 {
			continue
		}
		ver, layer := (buf[i+1]>>3)&3, (buf[i+1]>>1)&3
		bri, sri := buf[i+2]>>4, (buf[i+2]>>2)&3
		if ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3 {
			continue
		}
		v1 := 0
		if ver == 3 {
			v1 = 1
		}
		bitrate := mpegBitrates[v1][3-layer][bri] * 1000
		rate := mpegRates[ver][sri]
		samples := 1152
		switch {
		case layer == 3:
			samples = 384
		case layer == 1 && ver != 3:
			samples = 576
		}
		if frames, ok := xingFrames(buf[i:]); ok && frames > 0 {
			p.setDefault("MPEG:Duration", float64(frames)*float64(samples)/float64(rate))
			return nil
		}
		p.setDefault("MPEG:Duration", float64(end-start-int64(i))*8/float64(bitrate))
		return nil
	}
	return fmt.Errorf("mp3: no MPEG audio frame found")
}

// xingFrames finds the frame count a VBR encoder writes in a Xing, Info
// or VBRI header inside the first frame.
func xingFrames(frame []byte) (int, bool) {
	frame = frame[:min(len(frame), 200)]
	for _, tag := range []string{"Xing", "Info"} {
		if i := strings.Index(string(frame), tag); i >= 0 && i+12 <= len(frame) {
			if binary.BigEndian.Uint32(frame[i+4:])&1 != 0 {
				return int(binary.BigEndian.Uint32(frame[i+8:])), true
			}
		}
	}
	if len(frame) >= 32+18 && string(frame[32:36]) == "VBRI" {
		return int(binary.BigEndian.Uint32(frame[32+14:])), true
	}
	return 0, false
}

// id3Frames reads the artist from ID3v2.2 (3-character ids) or v2.3/2.4
// frames.
func id3Frames(d []byte, version byte, p props) {
	idLen, hdrLen := 4, 10
	if version == 2 {
		idLen, hdrLen = 3, 6
	}
	for i := 0; i+hdrLen <= len(d); {
		id := string(d[i : i+idLen])
		if id[0] == 0 {
			return
		}
		var n int
		switch version {
		case 2:
			n = int(d[i+3])<<16 | int(d[i+4])<<8 | int(d[i+5])
		case 4:
			n = int(d[i+4]&0x7f)<<21 | int(d[i+5]&0x7f)<<14 | int(d[i+6]&0x7f)<<7 | int(d[i+7]&0x7f)
		default:
			n = int(binary.BigEndian.Uint32(d[i+4:]))
		}
		body := i + hdrLen
		if n < 0 || body+n > len(d) {
			return
		}
		if id == "TP1" || id == "TPE1" {
			p.setDefault("ID3v2:Artist", id3Text(d[body:body+n]))
		}
		i = body + n
	}
}

// id3Text decodes an ID3 text frame: an encoding byte, then text.
func id3Text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	enc, b := b[0], b[1:]
	switch enc {
	case 1, 2: // UTF-16 with BOM, UTF-16BE
		if enc == 2 {
			b = append([]byte{0xfe, 0xff}, b...)
		}
		return cleanText(string(xmpUTF8(b)))
	case 3:
		return cleanText(string(b))
	}
	r := make([]rune, len(b)) // ISO-8859-1
	for i, c := range b {
		r[i] = rune(c)
	}
	return cleanText(string(r))
}
