package channels

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/disintegration/imaging"

	"mediabank/assets"
	"mediabank/channels/jpegmeta"
	"mediabank/icc"
	"mediabank/internal/derrors"
	"mediabank/renditions"
)

// ErrNoPicture: the asset has no picture to post (audio, documents), and
// ErrTooLarge: no JPEG quality brings it under the preset's max_bytes.
var (
	ErrNoPicture = derrors.New(derrors.Unusable, "no picture to post")
	ErrTooLarge  = derrors.New(derrors.Unusable, "over the channel's size limit")
)

// Renderer makes channel renditions. Store holds the originals and the
// watermark logos; Maker decodes the originals: give it the process's
// shared decode budget (renditions.Maker.Budget), as the thumbnails and
// previews have; nil is a Maker of its own, without one.
type Renderer struct {
	Store   assets.Store
	Maker   *renditions.Maker
	Presets Presets
}

// File is one channel rendition, ready to post.
type File struct {
	Channel       string
	Data          []byte // JPEG
	Width, Height int
	Quality       int
	Crop          assets.Rect // the frame used, in the upright picture
}

// qualities are tried in turn until the file fits the preset's max_bytes.
var qualities = [...]int{90, 85, 80, 75, 70, 60, 50, 40}

// Render makes a's picture for channel: from the original (a RAW's
// largest embedded JPEG, a video's poster frame), upright, cropped to the
// channel's aspect by the frame a person chose or the default one, shrunk
// (never enlarged) to the channel's size, watermarked if the preset says
// so, as a JPEG with the asset's effective caption, headline, creator,
// credit, copyright and keywords in IPTC and XMP, and GPS only if the
// preset keeps it.
func (r *Renderer) Render(ctx context.Context, a *assets.Asset, channel string) (File, error) {
	p, err := r.Presets.Get(channel)
	if err != nil {
		return File{}, err
	}
	if a.Meta.Kind != assets.KindPhoto && a.Meta.Kind != assets.KindVideo {
		return File{}, fmt.Errorf("%s for %s: a %s: %w", channel, a.ID, a.Meta.Kind, ErrNoPicture)
	}
	src, done, err := renditions.Open(ctx, r.Store, a)
	if err != nil {
		return File{}, fmt.Errorf("%s for %s: %w", channel, a.ID, err)
	}
	defer done()
	m := r.Maker
	if m == nil {
		m = &renditions.Maker{}
	}
	// The full-size picture is held (and counted in the decode budget)
	// only while it is cut down to the channel's size.
	var pic *image.NRGBA
	var crop assets.Rect
	err = m.Still(ctx, src, max(p.Width, p.Height), func(img image.Image, o int, srgb *icc.Transform) error {
		var err error
		if pic, crop, err = cropResize(ctx, img, o, p, a); err != nil {
			return err
		}
		// Once small, before the logo: the file is sRGB, without a profile.
		srgb.Apply(pic)
		return nil
	})
	if err != nil {
		return File{}, fmt.Errorf("%s for %s: %w", channel, a.ID, err)
	}
	if p.Watermark != nil {
		if err := r.watermark(ctx, pic, *p.Watermark); err != nil {
			return File{}, fmt.Errorf("%s for %s: %w", channel, a.ID, err)
		}
	}
	f := File{Channel: channel, Width: pic.Rect.Dx(), Height: pic.Rect.Dy(), Crop: crop}
	f.Data, f.Quality, err = encode(pic, fields(a.Effective(), p), p.MaxBytes)
	if err != nil {
		return File{}, fmt.Errorf("%s for %s: %w", channel, a.ID, err)
	}
	return f, nil
}

// cropResize cuts the preset's frame out of img (stored with EXIF
// orientation o) and shrinks it to the preset's size, turned upright
// last, when it is small. It returns the frame in upright coordinates.
func cropResize(ctx context.Context, img image.Image, o int, p Preset, a *assets.Asset) (*image.NRGBA, assets.Rect, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if o >= 5 && o <= 8 {
		w, h = h, w
	}
	crop := p.frame(a, w, h)
	px := Pixels(crop, w, h) // upright pixels, for the size
	cw, ch := px.Dx(), px.Dy()
	tw, th := cw, ch
	if s := min(float64(p.Width)/float64(cw), float64(p.Height)/float64(ch)); s < 1 {
		tw, th = max(1, int(math.Round(float64(cw)*s))), max(1, int(math.Round(float64(ch)*s)))
		if p.Fit == FitCrop {
			tw, th = p.Width, p.Height
		}
	}
	sp := Pixels(Stored(crop, o), b.Dx(), b.Dy()).Add(b.Min)
	var sub image.Image
	if si, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		sub = si.SubImage(sp)
	} else {
		sub = imaging.Crop(img, sp)
	}
	if o >= 5 && o <= 8 { // the size as stored
		tw, th = th, tw
	}
	small, err := renditions.Resize(ctx, sub, tw, th)
	if err != nil {
		return nil, crop, err
	}
	return renditions.Upright(small, o), crop, nil
}

// watermark lays the preset's logo over a corner of pic.
func (r *Renderer) watermark(ctx context.Context, pic *image.NRGBA, w Watermark) error {
	rd, _, err := r.Store.Get(ctx, w.Key)
	if err != nil {
		return fmt.Errorf("watermark %s: %w", w.Key, err)
	}
	defer rd.Close()
	logo, err := png.Decode(io.LimitReader(rd, maxLogo))
	if err != nil {
		return fmt.Errorf("watermark %s: want a PNG: %w", w.Key, err)
	}
	pw, ph := pic.Rect.Dx(), pic.Rect.Dy()
	lb := logo.Bounds()
	lw := max(1, int(math.Round(float64(pw)*w.Size)))
	lh := max(1, int(math.Round(float64(lb.Dy())*float64(lw)/float64(lb.Dx()))))
	small := imaging.Resize(logo, lw, lh, imaging.Lanczos)
	margin := int(math.Round(0.02 * float64(min(pw, ph))))
	x, y := margin, margin
	if w.Corner == TopRight || w.Corner == BottomRight {
		x = pw - lw - margin
	}
	if w.Corner == BottomLeft || w.Corner == BottomRight {
		y = ph - lh - margin
	}
	draw.Draw(pic, image.Rect(x, y, x+lw, y+lh), small, image.Point{}, draw.Over)
	return nil
}

// maxLogo bounds the watermark PNG read from the bank.
const maxLogo = 16 << 20

// fields is what goes into the file: the newsroom fields always, the
// camera and time too, the position only if the preset keeps it.
func fields(m assets.Metadata, p Preset) jpegmeta.Fields {
	f := jpegmeta.Fields{
		Caption: m.Caption, Headline: m.Headline, Creator: m.Creator, Credit: m.Credit,
		Copyright: m.Copyright, Keywords: m.Keywords, Make: m.Make, Model: m.Model, TakenAt: m.TakenAt,
	}
	if !p.StripGPS {
		f.GPS = m.GPS
	}
	return f
}

// encode is pic as a JPEG with f inside, at the best quality that fits
// maxBytes (0: no limit).
func encode(pic *image.NRGBA, f jpegmeta.Fields, maxBytes int64) ([]byte, int, error) {
	var last int
	for _, q := range qualities {
		data, err := renditions.EncodeJPEG(pic, q)
		if err != nil {
			return nil, 0, fmt.Errorf("encode JPEG: %w", err)
		}
		if data, err = jpegmeta.Write(data, f); err != nil {
			return nil, 0, err
		}
		if maxBytes == 0 || int64(len(data)) <= maxBytes {
			return data, q, nil
		}
		last = len(data)
	}
	return nil, 0, fmt.Errorf("%d bytes at quality %d, over %d: %w", last, qualities[len(qualities)-1], maxBytes, ErrTooLarge)
}
