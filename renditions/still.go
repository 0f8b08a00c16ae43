package renditions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path"

	"mediabank/assets"
)

// Still returns the largest picture an original holds, decoded as stored,
// and the EXIF orientation that turns it upright: for a photo its main
// image (for RAW files, whose sensor data is not decoded here, the largest
// embedded JPEG); for a video its poster frame, already upright. It is
// what pictures bigger than a preview (channel renditions) are made from.
func (m *Maker) Still(ctx context.Context, src Source) (image.Image, int, error) {
	if src.Kind == assets.KindVideo {
		img, err := m.frame(ctx, src)
		return img, 1, err
	}
	if src.Kind != assets.KindPhoto {
		return nil, 0, fmt.Errorf("picture of %s: a %s has none", src.Name, src.Kind)
	}
	list, err := guarded(ctx, func() ([]candidate, error) { return candidates(src.R, src.Size) })
	if err != nil {
		return nil, 0, fmt.Errorf("picture of %s: %w", src.Name, err)
	}
	var errs []error
	for _, c := range rank(list, math.MaxInt32) {
		if px := int64(c.w) * int64(c.h); px > m.maxPixels() {
			errs = append(errs, fmt.Errorf("%s is %dx%d, over the limit of %d pixels", c.what, c.w, c.h, m.maxPixels()))
			continue
		}
		img, err := guarded(ctx, func() (image.Image, error) { return c.decode(src.R) })
		if err == nil {
			return img, orientation(c, src.Orientation), nil
		}
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("picture of %s: %w", src.Name, err)
		}
		errs = append(errs, err)
	}
	return nil, 0, fmt.Errorf("picture of %s: no picture could be used: %w", src.Name, errors.Join(errs...))
}

// Upright turns an image stored with EXIF orientation o the right way up.
func Upright(n *image.NRGBA, o int) *image.NRGBA { return upright(n, o) }

// Open gives a renderer the original of a with cheap random access: the
// file itself for a local store; for a remote one, whose every ReadAt
// would be an HTTP request, the bytes in memory, or a temporary file for
// large ones (which ffmpeg also needs as a path). done releases it.
func Open(ctx context.Context, store assets.Store, a *assets.Asset) (src Source, done func(), err error) {
	src = Source{Name: a.FileName, Kind: a.Meta.Kind, Orientation: a.Meta.Orientation}
	rd, obj, err := store.Get(ctx, a.Original)
	if err != nil {
		return src, nil, err
	}
	src.Size = obj.Size
	if f, ok := rd.(interface{ Name() string }); ok {
		src.R, src.Path = rd, f.Name()
		return src, func() { rd.Close() }, nil
	}
	defer rd.Close()
	if obj.Size <= inMemoryOriginal {
		data, err := io.ReadAll(io.LimitReader(rd, inMemoryOriginal+1))
		if err != nil {
			return src, nil, fmt.Errorf("read %s: %w", a.Original, err)
		}
		src.R, src.Size = bytes.NewReader(data), int64(len(data))
		return src, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "mediabank-rendition-*"+path.Ext(a.FileName))
	if err != nil {
		return src, nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, rd); err != nil {
		cleanup()
		return src, nil, fmt.Errorf("read %s: %w", a.Original, err)
	}
	src.R, src.Path = tmp, tmp.Name()
	return src, cleanup, nil
}

// inMemoryOriginal is the largest original Open reads into memory; one
// per CPU is rendering at a time.
const inMemoryOriginal = 64 << 20

// EncodeJPEG encodes an opaque image (as Resize makes) as a JPEG.
func EncodeJPEG(n *image.NRGBA, quality int) ([]byte, error) { return encodeJPEG(n, quality) }
