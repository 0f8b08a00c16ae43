package renditions

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"mediabank/assets"
)

// photo makes the preview and the thumbnail of a photo from one decode of
// the cheapest picture in the file that is big enough: an embedded preview
// when the camera wrote a large one (always, for RAW files, whose sensor
// data is not decoded here), else the main image.
func (m *Maker) photo(ctx context.Context, src Source) ([]Output, error) {
	list, err := guarded(ctx, func() ([]candidate, error) { return candidates(src.R, src.Size) })
	if err != nil {
		return nil, fmt.Errorf("renditions of %s: %w", src.Name, m.unusable(ctx, err))
	}
	var errs []error
	for _, c := range rank(list, PreviewEdge) {
		out, err := m.render(ctx, c, src.R, orientation(c, src.Orientation), []string{assets.Preview, assets.Thumbnail})
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("renditions of %s: %w", src.Name, err)
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("renditions of %s: %w", src.Name, m.unusable(ctx, errors.Join(errs...)))
}

// render decodes candidate c within the memory budget, turns it upright
// and makes the renditions named (preview or poster size, then
// thumbnail). A picture whose decode would cost more than the whole budget
// is refused before anything is allocated.
func (m *Maker) render(ctx context.Context, c candidate, r io.ReaderAt, orient int, names []string) ([]Output, error) {
	if px := int64(c.w) * int64(c.h); px > m.maxPixels() {
		return nil, fmt.Errorf("%s is %dx%d, over the limit of %d pixels", c.what, c.w, c.h, m.maxPixels())
	}
	release, err := m.acquire(ctx, c.cost())
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("%s is %dx%d and %w", c.what, c.w, c.h, err)
	}
	// The bytes go back when the work ends, not when a cancelled caller
	// stops waiting for it, so the budget counts what is really held.
	defer m.collect(c.cost())
	return guarded(ctx, func() ([]Output, error) {
		defer release()
		img, err := c.decode(ctx, r)
		if err != nil {
			return nil, err
		}
		small, err := fit(ctx, img, PreviewEdge)
		if err != nil {
			return nil, err
		}
		return m.sizes(ctx, upright(small, orient), names, []int{PreviewEdge, ThumbnailEdge})
	})
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
