package renditions

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path"

	"mediabank/assets"
	"mediabank/icc"
)

// Still hands use the largest picture an original holds, decoded as
// stored, with the EXIF orientation that turns it upright and the
// transform that turns its colours into sRGB (nil when there is nothing
// to do; use applies it, best once it is small): for a photo its
// main image (for RAW files, whose sensor data is not decoded here, the
// largest embedded JPEG); for a video its poster frame, already upright.
// It is what pictures bigger than a preview (channel renditions) are made
// from. The decode goes through the Maker's budget as a preview's does,
// costed for bringing the picture down to at most edge on its long side
// (use's work), and is held until use returns; a picture over the whole
// budget is refused with ErrTooLarge before anything is allocated.
func (m *Maker) Still(ctx context.Context, src Source, edge int, use func(img image.Image, orientation int, srgb *icc.Transform) error) error {
	switch src.Kind {
	case assets.KindVideo:
		c, r, err := m.frame(ctx, src)
		if err != nil {
			return err
		}
		if err := m.decoded(ctx, c, r, edge, func(img image.Image) error { return use(img, 1, nil) }); err != nil {
			return fmt.Errorf("poster of %s: %w", src.Name, m.unusable(ctx, err))
		}
		return nil
	case assets.KindPhoto:
		if err := m.best(ctx, src, math.MaxInt32, edge, use); err != nil {
			return fmt.Errorf("picture of %s: %w", src.Name, err)
		}
		return nil
	}
	return fmt.Errorf("picture of %s: a %s has none", src.Name, src.Kind)
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
