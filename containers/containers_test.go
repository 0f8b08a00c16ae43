package containers

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mediabank/internal/ifd"
	"mediabank/internal/testfiles"
)

// open reads a file of the shared camera files.
func open(t *testing.T, name string) *bytes.Reader {
	t.Helper()
	return bytes.NewReader(testfiles.ReadFile(t, filepath.Join(testfiles.Dir(t), name)))
}

// tsPackets is the start of an MPEG transport stream, cut to n bytes: 188-byte
// packets starting with the sync byte 'G', after a 4-byte timecode for M2TS.
func tsPackets(timecode, n int) []byte {
	b := make([]byte, 0, 2*(timecode+188))
	for range 2 {
		b = append(b, make([]byte, timecode)...)
		b = append(b, 'G')
		b = append(b, make([]byte, 187)...)
	}
	return b[:min(n, len(b))]
}

func TestSniff(t *testing.T) {
	ftyp := func(brands ...string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+4*len(brands)))
		return append(b, "ftyp"+strings.Join(brands, "")...)
	}
	tests := []struct {
		name string
		head []byte
		ext  string
		want Format
		ok   bool
	}{
		{"jpeg", []byte("\xff\xd8\xff\xe1"), "", JPEG, true},
		{"png", []byte("\x89PNG\r\n\x1a\n"), "", PNG, true},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBP"), "", WebP, true},
		{"wav", []byte("RIFF\x00\x00\x00\x00WAVE"), "", WAV, true},
		{"raf", []byte("FUJIFILMCCD-RAW 0201"), "", RAF, true},
		{"rw2", []byte("IIU\x00\x08\x00\x00\x00"), "", RW2, true},
		{"orf", []byte("IIRO\x08\x00\x00\x00"), "", ORF, true},
		{"cr2 by bytes", []byte("II*\x00\x10\x00\x00\x00CR\x02\x00"), "tif", CR2, true},
		{"nef by name", []byte("MM\x00*\x00\x00\x00\x08"), "nef", NEF, true},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), "tif", TIFF, true},
		{"cr3", ftyp("crx ", "\x00\x00\x00\x01", "crx "), "", CR3, true},
		{"heic", ftyp("mif1", "\x00\x00\x00\x00", "mif1", "heic"), "", HEIF, true},
		{"avif", ftyp("avif", "\x00\x00\x00\x00"), "", AVIF, true},
		{"mov", ftyp("qt  ", "\x00\x00\x00\x00"), "", MOV, true},
		{"mp4", ftyp("isom", "\x00\x00\x02\x00", "isom", "mp41"), "", MP4, true},
		{"3gp", ftyp("3gp9"), "", TGP, true},
		{"old quicktime", []byte("\x00\x00\x00\x08wide"), "", MOV, true},
		{"short ftyp", []byte("\x00\x00\x00\x08ftyp"), "", MP4, true},
		{"pdf", []byte("%PDF-1.7"), "", PDF, true},
		{"gif", []byte("GIF89a"), "", GIF, true},
		// Callers pass SniffLen bytes: enough to see the second packet.
		{"mpeg-ts", tsPackets(0, SniffLen), "mts", MTS, true},
		{"m2ts", tsPackets(4, SniffLen), "m2ts", MTS, true},
		{"text", []byte("hello, world"), "jpg", Format{}, false},
		{"empty", nil, "jpg", Format{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Sniff(tt.head, tt.ext)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Sniff = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// The wants below are what ExifTool 12.57 reads from the same files
// (../shared/testdata/expected/exiftool.json).

func TestReadRAF(t *testing.T) {
	r := open(t, "formats/FujiFilm.raf")
	info, err := ReadRAF(r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 4256 || info.Height != 1424 { // RAF:RawImageCroppedSize
		t.Errorf("size %dx%d, want 4256x1424", info.Width, info.Height)
	}
	var soi [2]byte
	if _, err := r.ReadAt(soi[:], info.JPEG.Off); err != nil || soi != [2]byte{0xff, 0xd8} {
		t.Errorf("JPEG at %d starts %x, want ffd8 (%v)", info.JPEG.Off, soi, err)
	}
}

func TestReadCR3(t *testing.T) {
	r := open(t, "formats/CanonRaw.cr3")
	parts, err := ReadCR3(r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"CMT1", "CMT2", "CMT4"} {
		if _, ok := parts.CMT[name]; !ok {
			t.Errorf("no %s in %v", name, parts.CMT)
		}
	}
	s := parts.CMT["CMT1"]
	tf, err := OpenTIFF(r, s.Off, s.Off+s.N)
	if err != nil {
		t.Fatal(err)
	}
	ifd0, err := tf.IFD(tf.First)
	if err != nil {
		t.Fatal(err)
	}
	if got := ifd0.Orientation(); got != 1 { // IFD0:Orientation
		t.Errorf("orientation %d, want 1", got)
	}
	if got := [2]uint32{ifd0.Value(0x100), ifd0.Value(0x101)}; got != [2]uint32{6000, 4000} { // IFD0:ImageWidth, ImageHeight
		t.Errorf("IFD0 size %v, want [6000 4000]", got)
	}
}

func TestReadHEIF(t *testing.T) {
	r := open(t, "formats/QuickTime.heic")
	info, err := ReadHEIF(r, r.Size())
	if err != nil {
		t.Fatal(err)
	}
	want := HEIFInfo{Width: 1596, Height: 1064, MaxWidth: 1596, MaxHeight: 1064} // Composite:ImageSize
	if info != want {
		t.Errorf("got %+v, want %+v", info, want)
	}
}

func TestReadRW2(t *testing.T) {
	// ExifTool 12.57 reads these bytes as IFD0:ISO 400 and
	// Composite:ImageSize 5184 3888.
	b := testfiles.RW2(5248, 3920, 4, 8, 3892, 5192, 400)
	if f, _ := Sniff(b, "rw2"); f != RW2 {
		t.Errorf("sniffed %v, want RW2", f)
	}
	got, err := ReadRW2(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if want := (RW2Info{Width: 5184, Height: 3888, ISO: 400}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestIFDByteOrders reads back an IFD that package ifd wrote in each byte
// order: values held in their entry, values out of line
// (SHORTs, an odd-length UNDEFINED padded to even, an ASCII), and Size
// agreeing with what Append wrote.
func TestIFDByteOrders(t *testing.T) {
	tests := []struct {
		header string
		bo     binary.AppendByteOrder
	}{
		{"MM\x00\x2a\x00\x00\x00\x08", binary.BigEndian},
		{"II\x2a\x00\x08\x00\x00\x00", binary.LittleEndian},
	}
	for _, tt := range tests {
		shorts := func(tag uint16, vs ...uint16) ifd.Entry {
			e := ifd.Entry{Tag: tag, Type: ifd.Short, Count: uint32(len(vs))}
			for _, v := range vs {
				e.Data = tt.bo.AppendUint16(e.Data, v)
			}
			return e
		}
		es := []ifd.Entry{
			shorts(0x0102, 8, 8, 8),   // 6 bytes: out of line
			ifd.Text(0x010F, "Nikon"), // 6 bytes
			shorts(0x0112, 6),         // held in the entry
			{Tag: 0x2E, Type: ifd.Undefined, Count: 5, Data: []byte("\xff\xd8abc")},
			shorts(0x0131, 1, 2, 3), // after the padded UNDEFINED
		}
		b := ifd.Append([]byte(tt.header), tt.bo, es, 8)
		if n := ifd.Size(es); int(n) != len(b)-8 {
			t.Errorf("%s: Size = %d, Append wrote %d bytes", tt.header[:2], n, len(b)-8)
		}
		tf, err := OpenTIFF(bytes.NewReader(b), 0, int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", tt.header[:2], err)
		}
		d, err := tf.IFD(tf.First)
		if err != nil {
			t.Fatalf("%s: %v", tt.header[:2], err)
		}
		s, ok := d.Undefined(0x2E)
		got := []any{d.Orientation(), d.Values(0x0102), d.Values(0x0131), ok, string(b[s.Off : s.Off+s.N])}
		want := []any{6, []uint32{8, 8, 8}, []uint32{1, 2, 3}, true, "\xff\xd8abc"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back %q, want %q", tt.header[:2], got, want)
		}
	}
}

func TestJPEGSegments(t *testing.T) {
	r := open(t, "formats/Apple.jpg")
	var w, h int
	var thumb uint32
	err := JPEGSegments(r, 0, r.Size(), func(s Segment) error {
		switch s.Marker {
		case 0xc0:
			var sof [5]byte
			if _, err := r.ReadAt(sof[:], s.Off); err != nil {
				return err
			}
			h, w = int(binary.BigEndian.Uint16(sof[1:])), int(binary.BigEndian.Uint16(sof[3:]))
		case 0xe1:
			tf, err := s.EXIF(r)
			if err != nil {
				return err
			}
			ifd0, err := tf.IFD(tf.First)
			if err != nil {
				return err
			}
			ifd1, err := tf.IFD(ifd0.Next)
			if err != nil {
				return err
			}
			thumb = ifd1.Value(0x202)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if w != 8 || h != 8 || thumb != 28 { // File:ImageWidth, ImageHeight; IFD1:ThumbnailLength
		t.Errorf("got %dx%d, thumbnail %d bytes; want 8x8, 28 bytes", w, h, thumb)
	}
}

// TestHostile gives each reader bytes made to loop, overrun or allocate:
// each must end with an error or less, not a panic or a hang.
func TestHostile(t *testing.T) {
	box := func(size uint32, typ string, body ...byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, size), typ...), body...)
	}
	// An IFD that is its own next IFD and its own SubIFD.
	loop := []byte("II*\x00\x08\x00\x00\x00\x02\x00")
	loop = append(loop, 0x4a, 0x01, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0) // SubIFDs -> 8
	loop = append(loop, 0x12, 0x01, 3, 0, 1, 0, 6, 0, 0, 0, 0, 0) // Orientation 6
	loop = append(loop, 8, 0, 0, 0)
	manyBoxes := bytes.Repeat(box(8, "free"), MaxBoxes+1)
	tests := []struct {
		name    string
		data    []byte
		wantErr string
		run     func(r *bytes.Reader) error
	}{
		{"box larger than the file", box(1<<20, "moov"), "truncated", func(r *bytes.Reader) error {
			_, err := ReadCR3(r, r.Size())
			return err
		}},
		{"64-bit box size past int64", append(box(1, "meta"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "out of range", func(r *bytes.Reader) error {
			_, err := ReadHEIF(r, r.Size())
			return err
		}},
		{"box smaller than its header", box(4, "meta"), "too small", func(r *bytes.Reader) error {
			_, err := ReadHEIF(r, r.Size())
			return err
		}},
		{"too many boxes", manyBoxes, "more than", func(r *bytes.Reader) error {
			_, err := ReadHEIF(r, r.Size())
			return err
		}},
		{"huge box body", box(MaxBoxPayload+16, "pitm"), "more than we load", func(r *bytes.Reader) error {
			_, err := NewBoxes(r).Load(Box{"pitm", 8, MaxBoxPayload + 16})
			return err
		}},
		{"IFD loop", loop, "", func(r *bytes.Reader) error {
			tf, err := OpenTIFF(r, 0, r.Size())
			if err != nil {
				return err
			}
			n := 0
			tf.EachIFD(func(uint32, IFD) { n++ })
			if n != 1 {
				t.Errorf("visited %d IFDs, want 1", n)
			}
			return nil
		}},
		{"IFD entry count past the file", []byte("II*\x00\x08\x00\x00\x00\xff\xff"), "bad entry count", func(r *bytes.Reader) error {
			tf, err := OpenTIFF(r, 0, r.Size())
			if err != nil {
				return err
			}
			_, err = tf.IFD(tf.First)
			return err
		}},
		{"RAF JPEG outside the file", append([]byte("FUJIFILMCCD-RAW "), make([]byte, 84)...), "outside", func(r *bytes.Reader) error {
			_, err := ReadRAF(r, r.Size())
			return err
		}},
		{"JPEG segment length under 2", []byte("\xff\xd8\xff\xe1\x00\x01"), "bad segment length", func(r *bytes.Reader) error {
			return JPEGSegments(r, 0, r.Size(), func(Segment) error { return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(bytes.NewReader(tt.data))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
