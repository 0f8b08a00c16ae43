package renditions

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"

	"mediabank/assets"
	"mediabank/icc"
)

// photo makes the preview and the thumbnail of a photo from one decode of
// the cheapest picture in the file that is big enough: an embedded preview
// when the camera wrote a large one (always, for RAW files, whose sensor
// data is not decoded here), else the main image.
func (m *Maker) photo(ctx context.Context, src Source) ([]Output, error) {
	var out []Output
	err := m.best(ctx, src, PreviewEdge, PreviewEdge, func(img image.Image, orient int, srgb *icc.Transform) error {
		var err error
		out, err = m.previews(ctx, img, orient, srgb, []string{assets.Preview, assets.Thumbnail})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("renditions of %s: %w", src.Name, err)
	}
	return out, nil
}

// best hands use the first of the photo's pictures that decodes, in the
// order rank gives for want, with the EXIF orientation that turns it
// upright and the transform that turns its colours into sRGB (nil when
// they are sRGB already, or when its profile is not one that converts:
// that is logged); use is to bring it down to at most edge (see decoded)
// and apply the transform. An error from use counts as the picture's, and
// the next one is tried.
func (m *Maker) best(ctx context.Context, src Source, want, edge int, use func(img image.Image, orient int, srgb *icc.Transform) error) error {
	list, err := guarded(ctx, func() ([]candidate, error) { return candidates(src.R, src.Size) })
	if err != nil {
		return m.unusable(ctx, err)
	}
	var errs []error
	for _, c := range rank(list, want) {
		if c.unconverted != "" {
			slog.WarnContext(ctx, "colour profile left unconverted", "file", src.Name, "picture", c.what, "reason", c.unconverted)
		}
		srgb := icc.ToSRGB(c.profile)
		err := m.decoded(ctx, c, src.R, edge, func(img image.Image) error {
			return use(img, orientation(c, src.Orientation), srgb)
		})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		errs = append(errs, err)
	}
	return m.unusable(ctx, errors.Join(errs...))
}

// decoded decodes candidate c within the memory budget and hands the
// picture to use, which is to bring it down to at most edge: the cost
// taken from the budget is the decode's and that work's, and is held
// until use returns. A picture whose decode would cost more than the whole
// budget is refused before anything is allocated. Every decode of a
// picture goes through here: previews, posters and Still alike.
func (m *Maker) decoded(ctx context.Context, c candidate, r io.ReaderAt, edge int, use func(image.Image) error) error {
	if px := int64(c.w) * int64(c.h); px > m.maxPixels() {
		return fmt.Errorf("%s is %dx%d, over the limit of %d pixels", c.what, c.w, c.h, m.maxPixels())
	}
	cost := c.cost(edge)
	release, err := m.acquire(ctx, cost)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s is %dx%d and %w", c.what, c.w, c.h, err)
	}
	// The bytes go back when the work ends, not when a cancelled caller
	// stops waiting for it, so the budget counts what is really held.
	defer m.collect(cost)
	_, err = guarded(ctx, func() (struct{}, error) {
		defer release()
		img, err := c.decode(ctx, r)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, use(img)
	})
	return err
}

// previews turns a decoded picture upright and sRGB and makes the
// renditions named (preview or poster size, then thumbnail). The colours
// are converted once the picture is down to the preview's size: an
// eighth of the work for a 16 MP photo, and nearly the same result (0.1–
// 0.4 code values apart on average for a 12 MP iPhone HEIC, against 2–6
// for no conversion; TestPreviewSRGB).
func (m *Maker) previews(ctx context.Context, img image.Image, orient int, srgb *icc.Transform, names []string) ([]Output, error) {
	small, err := fit(ctx, img, PreviewEdge)
	if err != nil {
		return nil, err
	}
	srgb.Apply(small)
	return m.sizes(ctx, upright(small, orient), names, []int{PreviewEdge, ThumbnailEdge})
}

// orientation is the EXIF orientation to apply to c: the caller's if it
// knows it, else the one read from the file.
func orientation(c candidate, known int) int {
	switch {
	case c.upright:
		return 1
	case known >= 1 && known <= 8:
		return known
	case c.orientation >= 1 && c.orientation <= 8:
		return c.orientation
	}
	return 1
}

// sizes makes the renditions named in names from one upright image,
// largest first so that each smaller one is shrunk from the previous.
func (m *Maker) sizes(ctx context.Context, img image.Image, names []string, edges []int) ([]Output, error) {
	out := make([]Output, 0, len(names))
	for i, name := range names {
		small, err := fit(ctx, img, edges[i])
		if err != nil {
			return nil, err
		}
		img = small
		data, err := encodeJPEG(small, m.quality())
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
		out = append(out, Output{Name: name, Data: data, Width: small.Rect.Dx(), Height: small.Rect.Dy(), MIME: "image/jpeg"})
	}
	return out, nil
}
