package ingest_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// benchCard builds, once per machine, a card like a photographer's after an
// event: 40 photos of 24 megapixels (6000×4000) with camera EXIF and an
// embedded EXIF thumbnail, and two video clips larger than the in-memory
// limit. It is kept in the temp folder between runs, since making it costs
// about a minute.
func benchCard(tb testing.TB) string {
	tb.Helper()
	return cachedCard(tb, "mediabank-benchcard-v1", func(dir string) { buildBenchCard(tb, dir) })
}

func buildBenchCard(tb testing.TB, dir string) {
	photos := filepath.Join(dir, "DCIM", "100NIKON")
	videos := filepath.Join(dir, "PRIVATE", "M4ROOT", "CLIP")
	for _, d := range []string{photos, videos} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range 40 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			data, err := cameraJPEG(6000, 4000, uint64(i), time.Date(2026, 8, 17, 9, 0, i, 0, time.UTC))
			if err == nil {
				err = os.WriteFile(filepath.Join(photos, fmt.Sprintf("DSC_%04d.JPG", i+1)), data, 0o644)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 2 {
		if err := os.WriteFile(filepath.Join(videos, fmt.Sprintf("C%04d.MP4", i+1)), mp4Clip(96<<20, uint64(i)), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// cachedCard is a card built once by build in the temp folder under name,
// and kept for later runs; a marker file says it was built whole.
func cachedCard(tb testing.TB, name string, build func(dir string)) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), name)
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	build(dir)
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// cameraJPEG encodes a photograph-like image (smooth light, texture and
// sensor noise, so it compresses like a real photo) with an EXIF block as a
// Nikon writes it: camera, exposure, time, and a 160×120 thumbnail.
func cameraJPEG(w, h int, seed uint64, taken time.Time) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
	for y := range h {
		for x := range w {
			dx, dy := float64(x)-cx, float64(y)-cy
			light := 200 - (dx*dx+dy*dy)/float64(w*w)*300
			tex := float64((x*7+y*13)%23) - 11
			v := light + tex + rng.NormFloat64()*6
			img.Y[y*img.YStride+x] = uint8(min(max(v, 0), 255))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(118 + rng.IntN(8))
		img.Cr[i] = uint8(134 + rng.IntN(8))
	}
	var main, thumb bytes.Buffer
	if err := jpeg.Encode(&main, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	small := image.NewGray(image.Rect(0, 0, 160, 120))
	for i := range small.Pix {
		small.Pix[i] = uint8(i)
	}
	if err := jpeg.Encode(&thumb, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	exif := exifBlock(taken, thumb.Bytes())
	out := make([]byte, 0, main.Len()+len(exif)+4)
	out = append(out, 0xFF, 0xD8, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(exif)+2))
	out = append(out, exif...)
	return append(out, main.Bytes()[2:]...), nil
}

// exifBlock writes a little-endian TIFF structure: IFD0 (make, model,
// orientation, pointer to the Exif IFD), the Exif IFD and IFD1 with the
// thumbnail.
func exifBlock(taken time.Time, thumb []byte) []byte {
	type tag struct {
		id, typ uint16
		count   uint32
		value   []byte // placed inline when it fits in 4 bytes
	}
	le := binary.LittleEndian
	u16 := func(v uint16) []byte { return le.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	rat := func(n, d uint32) []byte { return le.AppendUint32(le.AppendUint32(nil, n), d) }
	ascii := func(s string) tag { return tag{0, 2, uint32(len(s) + 1), append([]byte(s), 0)} }
	with := func(id uint16, t tag) tag { t.id = id; return t }
	date := taken.Format("2006:01:02 15:04:05")

	// Offsets are from the TIFF header. Lay out IFD0, Exif IFD, IFD1,
	// then the data area, in that order.
	ifd0 := []tag{with(0x010F, ascii("NIKON CORPORATION")), with(0x0110, ascii("NIKON Z 6_2")), {0x0112, 3, 1, u16(1)}, {0x0132, 2, 20, append([]byte(date), 0)}, {0x8769, 4, 1, nil}}
	exifIFD := []tag{{0x829A, 5, 1, rat(1, 250)}, {0x829D, 5, 1, rat(56, 10)}, {0x8827, 3, 1, u16(400)}, {0x9003, 2, 20, append([]byte(date), 0)}, {0x920A, 5, 1, rat(50, 1)}}
	ifd1 := []tag{{0x0103, 3, 1, u16(6)}, {0x0201, 4, 1, nil}, {0x0202, 4, 1, u32(uint32(len(thumb)))}}
	size := func(n int) int { return 2 + 12*n + 4 }
	off0 := 8
	offExif := off0 + size(len(ifd0))
	off1 := offExif + size(len(exifIFD))
	data := off1 + size(len(ifd1))

	var area []byte
	place := func(t tag) []byte {
		if len(t.value) <= 4 {
			return append(t.value, make([]byte, 4-len(t.value))...)
		}
		p := data + len(area)
		area = append(area, t.value...)
		return u32(uint32(p))
	}
	write := func(out []byte, tags []tag, next int) []byte {
		out = le.AppendUint16(out, uint16(len(tags)))
		for _, t := range tags {
			out = le.AppendUint16(out, t.id)
			out = le.AppendUint16(out, t.typ)
			out = le.AppendUint32(out, t.count)
			out = append(out, place(t)...)
		}
		return le.AppendUint32(out, uint32(next))
	}
	ifd0[4].value = u32(uint32(offExif))
	// The thumbnail goes after the other data; its offset is known once
	// the other values are placed, so place them first.
	out := []byte("Exif\x00\x00II*\x00")
	out = le.AppendUint32(out, uint32(off0))
	tiff := out[6:]
	tiff = write(tiff, ifd0, off1)
	tiff = write(tiff, exifIFD, 0)
	thumbAt := data + len(area)
	ifd1[1].value = u32(uint32(thumbAt))
	tiff = write(tiff, ifd1, 0)
	tiff = append(tiff, area...)
	tiff = append(tiff, thumb...)
	return append([]byte("Exif\x00\x00"), tiff...)
}

// mp4Clip writes an ISO BMFF file of about size bytes: ftyp, an mdat of
// incompressible bytes standing for the coded video, and a moov with the
// movie header a camera writes last.
func mp4Clip(size int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 11))
	box := func(typ string, body []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
		return append(append(out, typ...), body...)
	}
	out := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
	mdat := make([]byte, size)
	for i := 0; i+8 <= len(mdat); i += 8 {
		binary.LittleEndian.PutUint64(mdat[i:], rng.Uint64())
	}
	out = append(out, box("mdat", mdat)...)
	// mvhd version 0: times since 1904, timescale 1000, duration 60 s.
	mvhd := make([]byte, 100)
	created := uint32(time.Date(2026, 8, 17, 2, 15, 0, 0, time.UTC).Unix() + 2082844800)
	binary.BigEndian.PutUint32(mvhd[4:], created)
	binary.BigEndian.PutUint32(mvhd[8:], created)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)
	binary.BigEndian.PutUint32(mvhd[16:], 60000)
	binary.BigEndian.PutUint32(mvhd[20:], 0x00010000)
	binary.BigEndian.PutUint16(mvhd[24:], 0x0100)
	return append(out, box("moov", box("mvhd", mvhd))...)
}
