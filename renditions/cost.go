package renditions

import (
	"context"
	"errors"
	"image/color"
	"io"

	"mediabank/containers"
)

// Memory a decode needs, reckoned from the header before anything is
// allocated: the decoder's output (and its working buffers) per pixel,
// then what shrinking it to the preview takes.

// bytesPerPixel is what a decoded picture of this colour model holds per
// pixel. A model not listed counts as the largest, 16-bit RGBA.
func bytesPerPixel(m color.Model) float64 {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel: // 4:4:4 at worst; JPEG reads its sampling
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	return 8
}

// jpegBytesPerPixel is what image/jpeg holds per pixel for a frame with
// the sampling and mode its SOF header gives: one byte per sample of each
// component plane; CMYK converted into a second 4-byte image; and for a
// progressive frame, its coefficients, 4 bytes per sample, kept until the
// end. ok is false when no SOF header was found.
func jpegBytesPerPixel(r io.ReaderAt, off, n int64) (bpp float64, ok bool) {
	errFound := errors.New("found")
	var sof containers.Segment
	err := containers.JPEGSegments(r, off, off+n, func(s containers.Segment) error {
		// SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC).
		if s.Marker >= 0xC0 && s.Marker <= 0xCF && s.Marker != 0xC4 && s.Marker != 0xC8 && s.Marker != 0xCC {
			sof = s
			return errFound
		}
		return nil
	})
	if !errors.Is(err, errFound) {
		return 0, false
	}
	// Precision, height, width, component count, then 3 bytes per
	// component: id, sampling factors (h<<4 | v), table.
	h := make([]byte, min(sof.N, 6+3*4))
	if k, _ := r.ReadAt(h, sof.Off); k < 6 || k < 6+3*int(h[5]) || h[5] < 1 || h[5] > 4 {
		return 0, false
	}
	nc := int(h[5])
	hmax, vmax := 1, 1
	for i := range nc {
		f := h[6+3*i+1]
		hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&15))
	}
	var samples float64
	for i := range nc {
		f := h[6+3*i+1]
		samples += float64(int(f>>4)*int(f&15)) / float64(hmax*vmax)
	}
	bpp = samples
	if nc == 4 {
		bpp += 4
	}
	switch sof.Marker {
	case 0xC2, 0xC6, 0xCA, 0xCE: // progressive
		bpp += 4 * samples
	}
	return bpp, true
}

// decodeFactor is how many times the decoded picture a format's decoder
// holds at its peak: interlaced PNG decodes each pass into its own image
// before merging them, TIFF holds a decompressed strip (at worst the whole
// picture) beside the image, lossless WebP its ARGB words, and the HEIF
// decoder its picture inside the WebAssembly memory.
func decodeFactor(format string, r io.ReaderAt, off int64) float64 {
	switch format {
	case "png":
		var interlace [1]byte
		if k, _ := r.ReadAt(interlace[:], off+28); k == 1 && interlace[0] == 1 {
			return 2
		}
	case "tiff", "webp", "heic":
		return 2
	}
	return 1
}

// workBytes is what fit and sizes allocate to bring a w×h picture down
// to edge (the preview's, or a channel's long edge: bringing a crop of it
// down takes about as much or less): the block average (or a full
// NRGBA copy when the picture is less than twice edge), the resize's two
// passes, the turn upright, and the strip of source rows converted at a
// time.
func workBytes(w, h, edge int) int64 {
	tw, th := fitSize(w, h, edge)
	k := min(w/tw, h/th)
	if k < 2 {
		return 4 * 4 * int64(w) * int64(h)
	}
	return 4*4*int64(w/k)*int64(h/k) + 4*int64(k)*int64(w)
}

// cost is the memory decoding c and bringing it down to edge needs.
func (c *candidate) cost(edge int) int64 {
	return int64(c.bpp*float64(c.w)*float64(c.h)) + workBytes(c.w, c.h, edge)
}

// ctxReader stops a decoder at its next read once ctx ends: every decoder
// here reads its input as it goes, so a request that was given up stops
// costing CPU within a buffer's worth of work. It keeps ReadAt, without
// which the TIFF decoder would read the whole file into memory.
type ctxReader struct {
	ctx context.Context
	r   *io.SectionReader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (c ctxReader) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
