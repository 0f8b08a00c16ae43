// Package metadata reads what a photo, video or audio file says about
// itself: EXIF, IPTC and XMP through bep/imagemeta, and container headers
// (QuickTime/MP4, HEIF, CR3, RAF, RW2, WAV, MP3) through small readers of
// our own (the structure of each in package containers), with ffprobe as
// an optional fallback for other containers.
package metadata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bep/imagemeta"

	"mediabank/assets"
	"mediabank/containers"
	"mediabank/internal/office"
)

const (
	// maxReadBytes bounds the bytes read for the metadata of one file.
	maxReadBytes = 64 << 20
	// defaultTimeout bounds one file when ctx has no deadline.
	defaultTimeout = 30 * time.Second
	// maxWarnings keeps a hostile file from filling the record.
	maxWarnings = 20
)

// ErrTooManyPixels is returned (with the metadata read) for an image whose
// declared size exceeds the pixel limit: decoding it could exhaust memory.
var ErrTooManyPixels = errors.New("too many pixels")

// Extractor reads metadata from files. The zero value is ready to use.
type Extractor struct {
	// Zone is used for times the file gives without an offset; nil means
	// office.Zone(), where the office's cameras are set.
	Zone *time.Location
	// FFprobe is the path of ffprobe, used for containers our own readers
	// do not parse (MKV, AVI, MPEG-TS, FLAC, Ogg); "" not to use it, and
	// then their duration, size and creation time are not read.
	FFprobe string
	// MaxPixels is the largest declared width×height accepted; 0 means
	// containers.MaxPixels.
	MaxPixels int64
}

// Source is one file to read.
type Source struct {
	Name string // file name, for the extension
	R    io.ReaderAt
	Size int64
	Path string // local path if any, for ffprobe; may be ""
}

// Extract reads the metadata of src. A file that cannot be read at all
// gives an error saying why; a partly readable one gives what was read and
// Warnings. An image declaring more than MaxPixels gives its metadata and
// an error wrapping ErrTooManyPixels.
func (e *Extractor) Extract(ctx context.Context, src Source) (m assets.Metadata, err error) {
	defer func() {
		// Third-party parsers may panic on hostile input: that is this
		// file's error, not the caller's crash.
		if r := recover(); r != nil {
			m, err = assets.Metadata{}, fmt.Errorf("metadata: %s: parser panic: %v", src.Name, r)
		}
	}()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	if src.Size <= 0 {
		return m, fmt.Errorf("metadata: %s: empty file", src.Name)
	}
	r := &budgetReader{ctx: ctx, r: src.R, size: src.Size, budget: maxReadBytes}
	head := make([]byte, min(containers.SniffLen, src.Size))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return m, fmt.Errorf("metadata: %s: %w", src.Name, err)
	}
	ext := assets.Ext(src.Name)
	f, ok := containers.Sniff(head, ext)
	if !ok {
		return m, fmt.Errorf("metadata: %s: not a recognised photo, video or audio format", src.Name)
	}

	var warnings []string
	warn := func(s string) {
		if len(warnings) < maxWarnings {
			warnings = append(warnings, s)
		}
	}
	if _, mime, known := assets.KindOf(src.Name); known && family(mime) != family(f.MIME) {
		warn(fmt.Sprintf("extension .%s says %s but the content is %s", ext, mime, f.Name))
	}

	p := props{}
	if err := e.read(ctx, r, src, f, p, warn); err != nil {
		// bep/imagemeta flattens the EOF into its message.
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.HasSuffix(err.Error(), "EOF") {
			return m, fmt.Errorf("metadata: %s: %s: truncated: %w", src.Name, f.Name, err)
		}
		return m, fmt.Errorf("metadata: %s: %s: %w", src.Name, f.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return m, fmt.Errorf("metadata: %s: %w", src.Name, err)
	}

	kind := kindOf(f)
	m = resolve(p, kind, e.zone())
	m.MIME, m.Kind = f.MIME, kind
	m.Warnings = warnings

	limit := e.MaxPixels
	if limit <= 0 {
		limit = containers.MaxPixels
	}
	if kind == assets.KindPhoto && int64(m.Width)*int64(m.Height) > limit {
		return m, fmt.Errorf("metadata: %s: declared %dx%d exceeds the %d MP limit: %w",
			src.Name, m.Width, m.Height, limit/1_000_000, ErrTooManyPixels)
	}
	return m, nil
}

// read dispatches to the reader of format f. Errors that leave nothing
// useful are returned; those after a partial read become warnings.
// zone is where times the file gives without an offset were taken.
func (e *Extractor) zone() *time.Location {
	if e.Zone == nil {
		return office.Zone()
	}
	return e.Zone
}

func (e *Extractor) read(ctx context.Context, r *budgetReader, src Source, f containers.Format, p props, warn func(string)) error {
	section := func(off, n int64) io.ReadSeeker { return io.NewSectionReader(r, off, n) }
	image := func(rs io.ReadSeeker, imf imagemeta.ImageFormat) error { return readImage(rs, imf, p, warn) }
	partial := func(err error) error {
		if err == nil {
			return nil
		}
		if len(p) == 0 {
			return err
		}
		warn(fmt.Sprintf("partly read: %v", err))
		return nil
	}

	// Files that are one EXIF structure from their first byte.
	whole := map[containers.Format]imagemeta.ImageFormat{
		containers.WebP: imagemeta.WebP, containers.TIFF: imagemeta.TIFF, containers.CR2: imagemeta.CR2,
		containers.NEF: imagemeta.NEF, containers.ARW: imagemeta.ARW, containers.DNG: imagemeta.DNG,
	}
	if imf, ok := whole[f]; ok {
		return partial(image(section(0, src.Size), imf))
	}
	switch f {
	case containers.JPEG:
		return partial(readJPEG(r, src.Size, p, warn))
	case containers.PNG:
		if err := pngXMP(r, src.Size, p); err != nil {
			warn(err.Error())
		}
		return partial(image(section(0, src.Size), imagemeta.PNG))
	case containers.RW2, containers.ORF:
		if f == containers.RW2 {
			readRW2(r, src.Size, p)
		}
		// TIFF with their own magic number; the IFDs are standard.
		return partial(image(io.NewSectionReader(&tiffMagic{r}, 0, src.Size), imagemeta.TIFF))
	case containers.RAF:
		raf, err := containers.ReadRAF(r, src.Size)
		if err != nil {
			return err
		}
		if raf.Width > 0 && raf.Height > 0 {
			p["RAF:ImageWidth"], p["RAF:ImageHeight"] = raf.Width, raf.Height
		}
		return partial(image(section(raf.JPEG.Off, raf.JPEG.N), imagemeta.JPEG))
	case containers.HEIC, containers.HEIF, containers.AVIF:
		readHEIF(r, src.Size, p, warn)
		return partial(image(section(0, src.Size), imagemeta.HEIF))
	case containers.CR3:
		if err := newBMFF(r, p).walk(0, src.Size); err != nil {
			return err
		}
		return e.cr3(r, src.Size, p, warn)
	case containers.MP4, containers.MOV, containers.TGP, containers.M4A:
		b := newBMFF(r, p)
		err := b.walk(0, src.Size)
		if !b.hasMoov {
			if err != nil {
				return fmt.Errorf("%w: %v", errNoMovie, err)
			}
			return errNoMovie
		}
		return partial(err)
	case containers.WAV:
		return partial(readWAV(r, src.Size, p))
	case containers.MP3:
		return partial(readMP3(r, src.Size, p))
	case containers.PDF, containers.GIF:
		return nil
	}
	// Containers only ffprobe reads.
	if e.FFprobe == "" || src.Path == "" {
		warn(fmt.Sprintf("%s is read only with ffprobe, which is not configured: duration, size, rotation, creation time and GPS are missing", f.Name))
		return nil
	}
	return probe(ctx, e.FFprobe, src.Path, p)
}

// readImage reads the EXIF, IPTC and XMP of an image and the pixel size
// its decoder reports.
func readImage(rs io.ReadSeeker, imf imagemeta.ImageFormat, p props, warn func(string)) error {
	w, h, err := readImageTags(rs, imf, allSources, p, warn)
	if err != nil {
		// A broken EXIF block aborts the decoder before it reaches
		// IPTC and XMP: read those again without it.
		if _, serr := rs.Seek(0, io.SeekStart); serr == nil {
			_, _, _ = readImageTags(rs, imf, imagemeta.IPTC|imagemeta.XMP, p, func(string) {})
		}
	}
	if w > 0 && h > 0 {
		p.setDefault("File:ImageWidth", w)
		p.setDefault("File:ImageHeight", h)
	}
	return err
}

// readJPEG reads a JPEG's tags, and from its segments the frame size and
// whether its IPTC is newer than its XMP.
func readJPEG(r io.ReaderAt, size int64, p props, warn func(string)) error {
	w, h, segErr := jpegSegments(r, size, p)
	if w > 0 && h > 0 {
		p["JPEG:ImageWidth"], p["JPEG:ImageHeight"] = w, h
	}
	err := readImage(io.NewSectionReader(r, 0, size), imagemeta.JPEG, p, warn)
	if segErr != nil {
		warn(segErr.Error())
	}
	return err
}

// readRW2 reads what ExifTool reads from the PanasonicRaw IFD0 of an RW2
// and no standard tag holds: the size inside the sensor's borders and the
// ISO.
func readRW2(r io.ReaderAt, size int64, p props) {
	rw2, err := containers.ReadRW2(r, size)
	if err != nil {
		return // the TIFF reader that follows says what is wrong
	}
	if rw2.Width > 0 && rw2.Height > 0 {
		p["PanasonicRaw:ImageWidth"], p["PanasonicRaw:ImageHeight"] = rw2.Width, rw2.Height
	}
	if rw2.ISO > 0 {
		p["IFD0:ISO"] = rw2.ISO
	}
}

// readHEIF reads the movie boxes of a HEIF (an image sequence has them)
// and the size and rotation of its primary item.
func readHEIF(r io.ReaderAt, size int64, p props, warn func(string)) {
	movieErr := newBMFF(r, p).walk(0, size)
	heif, err := containers.ReadHEIF(r, size)
	if err == nil {
		err = movieErr // both walk the same top-level boxes: one warning
	}
	if err != nil {
		warn(err.Error())
	}
	if heif.Width > 0 || heif.Height > 0 {
		p.setDefault("HEIF:ImageWidth", heif.Width)
		p.setDefault("HEIF:ImageHeight", heif.Height)
	}
	if heif.Rotated {
		p.setDefault("HEIF:Rotation", heif.Rotation)
	}
}

// cr3 reads the TIFF blocks of a CR3 with the TIFF decoder, renaming their
// IFD0 to the IFD each block stands for.
func (e *Extractor) cr3(r io.ReaderAt, size int64, p props, warn func(string)) error {
	parts, err := containers.ReadCR3(r, size)
	if err != nil {
		return err
	}
	for _, name := range []string{"CMT1", "CMT2", "CMT4"} {
		s, ok := parts.CMT[name]
		if !ok {
			continue
		}
		sub := props{}
		if _, _, err := readImageTags(io.NewSectionReader(r, s.Off, s.N), imagemeta.TIFF, allSources, sub, warn); err != nil {
			warn(fmt.Sprintf("%s: %v", name, err))
		}
		group := map[string]string{"CMT1": "IFD0", "CMT2": "ExifIFD", "CMT4": "GPS"}[name]
		for k, v := range sub {
			if g, tag, ok := strings.Cut(k, ":"); ok && g == "IFD0" {
				p.setDefault(group+":"+tag, v)
			} else {
				p.setDefault(k, v)
			}
		}
	}
	return nil
}

// kindOf is the kind of asset a file of format f is.
func kindOf(f containers.Format) assets.Kind {
	switch {
	case strings.HasPrefix(f.MIME, "image/"):
		return assets.KindPhoto
	case strings.HasPrefix(f.MIME, "video/"):
		return assets.KindVideo
	case strings.HasPrefix(f.MIME, "audio/"):
		return assets.KindAudio
	}
	return assets.KindDocument
}

// family groups MIME types that are one format to a reader: an HEIF may be
// named .heic, an MP4 .mov.
func family(mime string) string {
	switch mime {
	case "image/heic", "image/heif", "image/avif":
		return "heif"
	case "video/mp4", "video/quicktime", "video/3gpp", "audio/mp4":
		return "bmff"
	}
	return mime
}

// budgetReader stops reading when ctx is done or when more than budget
// bytes were read, so that no file can hold a worker for long.
type budgetReader struct {
	ctx    context.Context
	r      io.ReaderAt
	size   int64
	budget int64
	read   int64
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if off >= b.size {
		return 0, io.EOF
	}
	short := int64(len(p)) > b.size-off
	if short {
		p = p[:b.size-off]
	}
	if b.read += int64(len(p)); b.read > b.budget {
		return 0, fmt.Errorf("read more than %d MB of metadata", b.budget>>20)
	}
	n, err := b.r.ReadAt(p, off)
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// tiffMagic presents a Panasonic RW2 ("IIU\0") or Olympus ORF ("IIRO",
// "MMOR") as the TIFF it is ("II*\0", "MM\0*").
type tiffMagic struct{ r io.ReaderAt }

func (t *tiffMagic) ReadAt(p []byte, off int64) (int, error) {
	n, err := t.r.ReadAt(p, off)
	var order [1]byte
	if _, oerr := t.r.ReadAt(order[:], 0); oerr != nil {
		return n, err
	}
	magic := "\x00\x00*\x00"
	if order[0] == 'M' {
		magic = "\x00\x00\x00*"
	}
	for i := int64(2); i < 4; i++ {
		if i >= off && i < off+int64(n) {
			p[i-off] = magic[i]
		}
	}
	return n, err
}
