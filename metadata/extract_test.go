package metadata

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
	"mediabank/internal/testkit"
)

func extractBytes(t *testing.T, name string, b []byte) (assets.Metadata, error) {
	t.Helper()
	e := &Extractor{}
	return e.Extract(context.Background(), Source{Name: name, R: bytes.NewReader(b), Size: int64(len(b))})
}

// jpegWith builds a minimal JPEG: optional APP1 payload, then a baseline
// frame header declaring w×h.
func jpegWith(app1 []byte, w, h uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xd8})
	if app1 != nil {
		b.Write([]byte{0xff, 0xe1})
		binary.Write(&b, binary.BigEndian, uint16(len(app1)+2))
		b.Write(app1)
	}
	b.Write([]byte{0xff, 0xc0, 0, 17, 8})
	binary.Write(&b, binary.BigEndian, h)
	binary.Write(&b, binary.BigEndian, w)
	b.Write([]byte{3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1})
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

// loopingEXIF is an EXIF block whose IFD0 points to itself both as its
// Exif IFD and as the next IFD.
func loopingEXIF() []byte {
	var b bytes.Buffer
	b.WriteString("Exif\x00\x00II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	binary.Write(&b, binary.LittleEndian, uint16(2))
	// Make = "Loop" (inline), ExifIFD pointer -> 8.
	b.Write([]byte{0x0f, 0x01, 2, 0, 4, 0, 0, 0, 'L', 'o', 'o', 'p'})
	b.Write([]byte{0x69, 0x87, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0})
	binary.Write(&b, binary.LittleEndian, uint32(8)) // next IFD: itself
	return b.Bytes()
}

func TestExtractKnownFiles(t *testing.T) {
	td := testdata(t)
	e := &Extractor{}
	lat, lon := -6.1783, 106.6319
	tests := []struct {
		file  string
		check func(m assets.Metadata) (got, want any)
	}{
		{"video/clip_720p_gps.mp4", func(m assets.Metadata) (any, any) {
			return [5]any{m.Width, m.Height, m.Duration, m.GPS != nil && m.GPS.Lat == lat && m.GPS.Lon == lon, m.TakenAt.UTC().Format(time.RFC3339)},
				[5]any{1280, 720, 3.0, true, "2026-08-17T02:15:00Z"}
		}},
		{"video/clip_1080p_rotated.mov", func(m assets.Metadata) (any, any) {
			return [4]any{m.Kind, m.Rotation, m.Width, m.Duration}, [4]any{assets.KindVideo, 90, 1920, 2.0}
		}},
		{"photos/heic/mobile/iphone_13_pro_max.HEIC", func(m assets.Metadata) (any, any) {
			return [4]any{m.Width, m.Orientation, m.TakenAt.Format(time.RFC3339Nano), m.Sources["taken_at"]},
				[4]any{4032, 6, "2022-02-16T12:55:41.762+01:00", "ExifIFD:DateTimeOriginal"}
		}},
		{"formats/CanonRaw.cr3", func(m assets.Metadata) (any, any) {
			return [4]any{m.Model, m.Lens, m.ISO, m.Width}, [4]any{"Canon EOS M50", "EF-M15-45mm f/3.5-6.3 IS STM", 12800, 6000}
		}},
		{"formats/FujiFilm.raf", func(m assets.Metadata) (any, any) {
			return [3]any{m.Model, m.Width, m.Height}, [3]any{"FinePix S5Pro", 4256, 1424}
		}},
		{"formats/MWG.jpg", func(m assets.Metadata) (any, any) {
			// The MWG reference file: RIGHT values win, WRONG ones lose.
			return [5]any{m.Caption, m.Copyright, m.City, m.Country, strings.Join(m.Keywords, ",")},
				[5]any{"RIGHT-EXIF-Description", "RIGHT-XMP-Copyright", "RIGHT-XMP-City", "RIGHT-IPTC-Country", "RIGHT1of2-XMP-Keywords,RIGHT2of2-XMP-Keywords"}
		}},
		{"formats/ExifTool.jpg", func(m assets.Metadata) (any, any) {
			// Stale IPTCDigest: IPTC was edited last and wins over XMP.
			return [2]any{strings.Join(m.Keywords, ","), m.Sources["keywords"]}, [2]any{"jambalaya", "IPTC:Keywords"}
		}},
		{"photos/jpg/Canon_40D.jpg", func(m assets.Metadata) (any, any) {
			// No offset in the file: the time is read in Asia/Jakarta.
			return m.TakenAt.Format(time.RFC3339), "2008-05-30T15:56:01+07:00"
		}},
		{"photos/jpg/corrupted.jpg", func(m assets.Metadata) (any, any) {
			return [2]any{m.Make, m.Width}, [2]any{"OLYMPUS IMAGING CORP.", 3648}
		}},
		{"formats/RIFF.wav", func(m assets.Metadata) (any, any) {
			return [2]any{m.Kind, m.Model}, [2]any{assets.KindAudio, "PENTAX Optio WP"}
		}},
		{"formats/QuickTime.m4a", func(m assets.Metadata) (any, any) {
			return [2]any{m.Creator, m.Duration}, [2]any{"Phil Harvey", 29.055}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := extractFile(t, e, filepath.Join(td, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.TakenAt == nil {
				now := time.Time{}
				m.TakenAt = &now
			}
			if got, want := tt.check(m); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestExtractRW2 reads a minimal Panasonic RW2 (no RW2 is among the
// shared camera files): its size and ISO come from the PanasonicRaw IFD0,
// as ExifTool 12.57 reads the same bytes (Composite:ImageSize 5184 3888,
// IFD0:ISO 400). Before, neither was read.
func TestExtractRW2(t *testing.T) {
	m, err := extractBytes(t, "P1000001.RW2", testfiles.RW2(5248, 3920, 4, 8, 3892, 5192, 400))
	if err != nil {
		t.Fatal(err)
	}
	got := [5]any{m.MIME, m.Make, m.Width, m.Height, m.ISO}
	want := [5]any{"image/x-panasonic-rw2", "Panasonic", 5184, 3888, 400}
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if m.Sources["width"] != "PanasonicRaw:ImageWidth" || m.Sources["iso"] != "IFD0:ISO" {
		t.Errorf("sources %v", m.Sources)
	}
}

// TestExtractHostile checks that broken and crafted files give a clear
// error or a partial result with warnings, never a panic or a hang.
func TestExtractHostile(t *testing.T) {
	td := testdata(t)
	png, err := os.ReadFile(filepath.Join(td, "formats", "PNG.png"))
	if err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(filepath.Join(td, "formats", "Apple.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	truncated, err := os.ReadFile(filepath.Join(td, "video", "truncated.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" means success expected
		warn    string // expected in Warnings
		check   func(m assets.Metadata) bool
	}{
		{name: "empty.jpg", data: nil, wantErr: "empty file"},
		{name: "noise.jpg", data: []byte("this is not an image at all, just text"), wantErr: "not a recognised"},
		{name: "truncated.mp4", data: truncated, wantErr: "truncated"},
		{name: "png-bytes.jpg", data: png, warn: "extension .jpg says image/jpeg but the content is PNG",
			check: func(m assets.Metadata) bool { return m.MIME == "image/png" && m.Width == 16 }},
		{name: "jpeg-bytes.png", data: jpg, warn: "extension .png says image/png but the content is JPEG",
			check: func(m assets.Metadata) bool { return m.MIME == "image/jpeg" && m.Model == "iPhone 7" }},
		{name: "huge.jpg", data: jpegWith(nil, 65000, 65000), wantErr: "declared 65000x65000 exceeds the 250 MP limit"},
		{name: "loop.jpg", data: jpegWith(loopingEXIF(), 16, 16),
			check: func(m assets.Metadata) bool { return m.Width == 16 && m.Make == "Loop" }},
		{name: "cut.jpg", data: jpg[:600], wantErr: "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var m assets.Metadata
			var err error
			go func() {
				defer close(done)
				m, err = extractBytes(t, tt.name, tt.data)
			}()
			patience, stop := testkit.Patience(t)
			defer stop()
			select {
			case <-done:
			case <-patience.Done():
				t.Fatal("Extract hung")
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.warn != "" && !strings.Contains(strings.Join(m.Warnings, "\n"), tt.warn) {
				t.Errorf("warnings %q lack %q", m.Warnings, tt.warn)
			}
			if tt.check != nil && !tt.check(m) {
				t.Errorf("unexpected metadata %+v", m)
			}
		})
	}
	t.Run("huge is ErrTooManyPixels", func(t *testing.T) {
		m, err := extractBytes(t, "huge.jpg", jpegWith(nil, 65000, 65000))
		if !errors.Is(err, ErrTooManyPixels) || m.Width != 65000 {
			t.Errorf("err = %v, width %d; want ErrTooManyPixels with the declared size", err, m.Width)
		}
	})
	t.Run("invalid folder", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(td, "photos", "jpg", "invalid", "*"))
		if len(files) == 0 {
			t.Fatal("no files in photos/jpg/invalid")
		}
		for _, f := range files {
			// ExifTool reads these; so must we, at least their size.
			m, err := extractFile(t, &Extractor{}, f)
			if err != nil || m.Width == 0 {
				t.Errorf("%s: width %d, err %v", filepath.Base(f), m.Width, err)
			}
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := (&Extractor{}).Extract(ctx, Source{Name: "a.jpg", R: bytes.NewReader(jpg), Size: int64(len(jpg))})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseXMPSidecarAndMerge(t *testing.T) {
	td := testdata(t)
	f, err := os.Open(filepath.Join(td, "formats", "XMP.xmp"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	side, err := (&Extractor{}).ParseXMPSidecar(f)
	if err != nil {
		t.Fatal(err)
	}
	file, err := extractFile(t, &Extractor{}, filepath.Join(td, "formats", "XMP.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	m := MergeSidecar(file, side)
	tests := []struct{ name, got, want string }{
		{"sidecar copyright wins", m.Copyright, "© Copyright Phil Harvey"},
		{"its source is named", m.Sources["copyright"], "sidecar XMP-dc:rights"},
		{"sidecar keywords win", strings.Join(m.Keywords, ","), "test1,&-&amp;-&"},
		{"file keeps its camera", m.Model, "FinePix2400Zoom"},
		{"file keeps its caption when the sidecar has none", m.Caption, "A witty caption"},
		{"sidecar time has its offset", side.TakenAt.Format(time.RFC3339), "2005-06-09T20:09:27+02:00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if _, err := (&Extractor{}).ParseXMPSidecar(strings.NewReader("<x:xmpmeta><broken")); err == nil {
		t.Error("a broken sidecar gave no error")
	}
}

// TestFFprobeFallback reads an MKV, a container only ffprobe handles.
func TestFFprobeFallback(t *testing.T) {
	td := testdata(t)
	ffmpeg, err1 := exec.LookPath("ffmpeg")
	ffprobe, err2 := exec.LookPath("ffprobe")
	if err := errors.Join(err1, err2); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	mkv := filepath.Join(t.TempDir(), "-clip.mkv") // a leading dash must not become an option
	out, err := exec.Command(ffmpeg, "-v", "error", "-i", filepath.Join(td, "video", "clip_720p_gps.mp4"), "-c", "copy", "file:"+mkv).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	b, err := os.ReadFile(mkv)
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Name: filepath.Base(mkv), R: bytes.NewReader(b), Size: int64(len(b)), Path: mkv}
	with, err := (&Extractor{FFprobe: ffprobe}).Extract(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if with.Width != 1280 || with.Height != 720 || with.Duration < 2.9 || with.Duration > 3.1 {
		t.Errorf("with ffprobe: %dx%d %.2fs, want 1280x720 3s", with.Width, with.Height, with.Duration)
	}
	without, err := (&Extractor{}).Extract(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if without.Duration != 0 || !strings.Contains(strings.Join(without.Warnings, " "), "ffprobe") {
		t.Errorf("without ffprobe: duration %v, warnings %q; want none and a warning naming what is lost", without.Duration, without.Warnings)
	}
}

// TestTIFFFlavours reads TIFF-based files relabelled with the RW2 and ORF
// magic numbers, as those RAW files are TIFF inside.
func TestTIFFFlavours(t *testing.T) {
	td := testdata(t)
	tests := []struct{ file, name, magic, mime, make string }{
		{"formats/Nikon.nef", "P1000001.RW2", "IIU\x00", "image/x-panasonic-rw2", "NIKON CORPORATION"},
		{"formats/ExifTool.tif", "P1000001.ORF", "MMOR", "image/x-olympus-orf", "Canon"},
		{"formats/ExifTool.tif", "P1000001.TIF", "MM\x00*", "image/tiff", "Canon"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(td, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := extractBytes(t, tt.name, append([]byte(tt.magic), b[4:]...))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got, want := [2]string{m.MIME, m.Make}, [2]string{tt.mime, tt.make}; got != want {
			t.Errorf("%s: got %v, want %v", tt.name, got, want)
		}
	}
}
