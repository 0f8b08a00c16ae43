package renditions

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"sort"

	"github.com/gen2brain/heic"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"mediabank/containers"
)

// candidate is one picture a file holds: its main image or an embedded
// preview, each a byte range decodable on its own.
type candidate struct {
	what        string // for messages: "main image", "EXIF thumbnail", …
	off, n      int64
	format      string // "jpeg", "png", "gif", "webp", "tiff", "heic"
	w, h        int
	orientation int     // EXIF orientation that applies to it, 0 if unknown
	upright     bool    // the decoder applies the file's own transforms
	bpp         float64 // bytes per pixel the decoder holds, from the header
	colour
}

var errNotImage = errors.New("not a known image format")

// decoders are the formats a candidate may be in: each one's header read
// (its size and colour model) and its full decode. (A HEIF's size is read
// from its boxes instead: see heifCandidates.)
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
	"tiff": {tiff.DecodeConfig, tiff.Decode},
	"heic": {heic.DecodeConfig, heic.Decode},
}

// candidates lists the pictures in a photo file, from its magic bytes.
func candidates(r io.ReaderAt, size int64) ([]candidate, error) {
	head := make([]byte, containers.SniffLen)
	n, _ := r.ReadAt(head, 0)
	f, ok := containers.Sniff(head[:n], "")
	switch {
	case !ok:
	case f == containers.JPEG:
		return jpegCandidates(r, 0, size)
	case f == containers.PNG:
		list, err := single(r, size, "png")
		if err == nil {
			raw, err := containers.PNGICC(r, size)
			list[0].colour = colourOf(raw, err, colour{})
		}
		return list, err
	case f == containers.GIF:
		return single(r, size, "gif")
	case f == containers.WebP:
		return single(r, size, "webp")
	case f == containers.RAF:
		return rafCandidates(r, size)
	case f == containers.CR3:
		return cr3Candidates(r, size)
	case f == containers.HEIC, f == containers.HEIF, f == containers.AVIF:
		return heifCandidates(r, size)
	case f.TIFFBased():
		return tiffCandidates(r, size)
	}
	return nil, errNotImage
}

// single is a file that is one image and nothing else.
func single(r io.ReaderAt, size int64, format string) ([]candidate, error) {
	c := candidate{what: "main image", n: size, format: format}
	if err := c.config(r); err != nil {
		return nil, err
	}
	return []candidate{c}, nil
}

// config reads the candidate's dimensions without decoding its pixels.
func (c *candidate) config(r io.ReaderAt) error {
	d, ok := decoders[c.format]
	if !ok {
		return fmt.Errorf("read %s header: %w", c.what, errNotImage)
	}
	cfg, err := d.config(io.NewSectionReader(r, c.off, c.n))
	if err != nil {
		return fmt.Errorf("read %s header: %w", c.what, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("read %s header: no dimensions", c.what)
	}
	c.w, c.h = cfg.Width, cfg.Height
	c.bpp = bytesPerPixel(cfg.ColorModel) * decodeFactor(c.format, r, c.off)
	if c.format == "jpeg" {
		if bpp, ok := jpegBytesPerPixel(r, c.off, c.n); ok {
			c.bpp = bpp
		}
	}
	return nil
}

// decode decodes the candidate's pixels, stopping when ctx ends.
func (c *candidate) decode(ctx context.Context, r io.ReaderAt) (image.Image, error) {
	d, ok := decoders[c.format]
	if !ok {
		return nil, fmt.Errorf("decode %s: %w", c.what, errNotImage)
	}
	img, err := d.decode(ctxReader{ctx, io.NewSectionReader(r, c.off, c.n)})
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", c.what, err)
	}
	return img, nil
}

// embedded adds a JPEG held inside the file if its header reads. Its
// colours are those of its own profile, else of what holds it (outer).
func embedded(list []candidate, r io.ReaderAt, size int64, what string, off, n int64, orientation int, outer colour) []candidate {
	if off <= 0 || n <= 0 || off >= size || n > size-off {
		return list
	}
	c := candidate{what: what, off: off, n: n, format: "jpeg", orientation: orientation}
	if c.config(r) != nil {
		return list
	}
	raw, err := containers.JPEGICC(r, off, off+n)
	c.colour = colourOf(raw, err, outer)
	return append(list, c)
}

// jpegCandidates lists a JPEG at off: its main image, its EXIF thumbnail
// and its MPF previews (which cameras and phones write at 1–2 MP). Their
// colours are the JPEG's profile, else what its EXIF says.
func jpegCandidates(r io.ReaderAt, base, size int64) ([]candidate, error) {
	main := candidate{what: "main image", off: base, n: size - base, format: "jpeg"}
	mainErr := main.config(r)
	var thumbs, previews []containers.Span
	var chunks []containers.ICCChunk
	var implied colour
	// A damaged segment ends the search; what was found before it counts.
	_ = containers.JPEGSegments(r, base, size, func(s containers.Segment) error {
		if c, ok := s.ICCChunk(r); ok {
			chunks = append(chunks, c)
		}
		if t, err := s.EXIF(r); err == nil {
			if ifd0, err := t.IFD(t.First); err == nil {
				main.orientation = ifd0.Orientation()
				implied = exifColour(t, ifd0, colour{})
				if ifd1, err := t.IFD(ifd0.Next); err == nil {
					if off := ifd1.Value(0x201); off != 0 {
						thumbs = append(thumbs, containers.Span{Off: t.Base + int64(off), N: int64(ifd1.Value(0x202))})
					}
				}
			}
		}
		if t, err := s.MPF(r); err == nil { // the other images of the file
			if ifd0, err := t.IFD(t.First); err == nil {
				previews = append(previews, ifd0.MPImages()...)
			}
		}
		return nil
	})
	raw, err := containers.AssembleICC(r, chunks)
	main.colour = colourOf(raw, err, implied)
	var list []candidate
	if mainErr == nil {
		list = append(list, main)
	}
	for _, s := range previews {
		list = embedded(list, r, size, "MPF preview", s.Off, s.N, main.orientation, main.colour)
	}
	for _, s := range thumbs {
		list = embedded(list, r, size, "EXIF thumbnail", s.Off, s.N, main.orientation, main.colour)
	}
	if len(list) == 0 {
		return nil, mainErr
	}
	return list, nil
}

// tiffCandidates lists the JPEG previews in every IFD and SubIFD of a TIFF
// or TIFF-based RAW file, and IFD0 itself as a plain TIFF image.
func tiffCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	t, err := containers.OpenTIFF(r, 0, size)
	if err != nil {
		return nil, err
	}
	var list []candidate
	orientation := 0
	// The colours of all: IFD0's profile, else what its EXIF says.
	raw, rawErr := containers.ICC(r, size)
	var col colour
	t.EachIFD(func(off uint32, d containers.IFD) {
		if off == t.First {
			orientation = d.Orientation()
			col = colourOf(raw, rawErr, exifColour(t, d, colour{}))
		}
		if o, n := d.Value(0x201), d.Value(0x202); o != 0 {
			list = embedded(list, r, size, "IFD preview", int64(o), int64(n), orientation, col)
		}
		if c := d.Value(0x103); c == 6 || c == 7 {
			if o, n := d.Values(0x111), d.Values(0x117); len(o) == 1 && len(n) == 1 {
				list = embedded(list, r, size, "IFD preview", int64(o[0]), int64(n[0]), orientation, col)
			}
		}
		if s, ok := d.Undefined(0x2E); ok { // RW2 JpgFromRaw
			list = embedded(list, r, size, "RW2 preview", s.Off, s.N, orientation, col)
		}
	})
	main := candidate{what: "TIFF image", n: size, format: "tiff", orientation: orientation, colour: col}
	if err := main.config(r); err == nil {
		list = append(list, main)
	} else if len(list) == 0 {
		return nil, fmt.Errorf("no JPEG preview in the IFDs, and %w", err)
	}
	return list, nil
}

// rafCandidates lists the JPEG a Fujifilm RAF holds at the offset its
// header gives, with that JPEG's own previews; its EXIF has the orientation.
func rafCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	raf, err := containers.ReadRAF(r, size)
	if err != nil {
		return nil, err
	}
	list, err := jpegCandidates(r, raf.JPEG.Off, raf.JPEG.Off+raf.JPEG.N)
	if err != nil {
		return nil, fmt.Errorf("RAF preview: %w", err)
	}
	return list, nil
}

// cr3Candidates lists the JPEG previews of a CR3 (THMB and PRVW), with the
// orientation of the TIFF block CMT1.
func cr3Candidates(r io.ReaderAt, size int64) ([]candidate, error) {
	cr3, _ := containers.ReadCR3(r, size) // what was found before an error counts
	orientation := 0
	if s, ok := cr3.CMT["CMT1"]; ok {
		if t, err := containers.OpenTIFF(r, s.Off, s.Off+s.N); err == nil {
			if ifd0, err := t.IFD(t.First); err == nil {
				orientation = ifd0.Orientation()
			}
		}
	}
	var list []candidate
	for _, s := range cr3.Previews {
		list = embedded(list, r, size, "CR3 preview", s.Off, s.N, orientation, colour{})
	}
	if len(list) == 0 {
		return nil, errors.New("no readable JPEG preview in the CR3 boxes")
	}
	return list, nil
}

// heifCandidates lists the primary image of a HEIF file. Its size bound is
// the largest image spatial extent (ispe) the file declares, read from the
// boxes: the decoder's own header read gives up when the boxes that say it
// lie beyond its first 32 KiB.
func heifCandidates(r io.ReaderAt, size int64) ([]candidate, error) {
	info, _ := containers.ReadHEIF(r, size) // what was found before an error counts
	if info.MaxWidth <= 0 || info.MaxHeight <= 0 {
		return nil, errors.New("no image size (ispe) in the HEIF boxes")
	}
	c := candidate{what: "HEIF image", n: size, format: "heic", upright: true, w: info.MaxWidth, h: info.MaxHeight}
	raw, err := containers.ICC(r, size)
	c.colour = colourOf(raw, err, colour{})
	c.bpp = bytesPerPixel(color.RGBAModel) * decodeFactor(c.format, r, 0)
	return []candidate{c}, nil
}

// rank orders candidates for decoding: first the smallest that is good
// enough for an edge-pixel rendition (or the whole image, if that is
// smaller), then the rest largest first as fallbacks. Previews whose
// aspect differs from the largest picture are dropped: they are letterboxed
// or cropped.
func rank(list []candidate, edge int) []candidate {
	if len(list) == 0 {
		return nil
	}
	ref := list[0]
	for _, c := range list {
		if c.w*c.h > ref.w*ref.h {
			ref = c
		}
	}
	need := min(edge, max(ref.w, ref.h))
	var good, rest []candidate
	for _, c := range list {
		if d := c.w*ref.h - c.h*ref.w; c != ref && max(d, -d) > ref.w*c.h/50 {
			continue
		}
		if max(c.w, c.h) >= need {
			good = append(good, c)
		} else {
			rest = append(rest, c)
		}
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].w*good[i].h < good[j].w*good[j].h })
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].w*rest[i].h > rest[j].w*rest[j].h })
	return append(good, rest...)
}
