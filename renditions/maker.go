// Package renditions makes the small images editors judge media by:
// thumbnails and previews of photos, poster frames of videos, and type icons
// for audio and documents.
package renditions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"runtime"
	"runtime/debug"

	"mediabank/assets"
	"mediabank/containers"
	"mediabank/internal/derrors"
)

// Long edges of the renditions, in pixels.
const (
	ThumbnailEdge = 320
	PreviewEdge   = 1600
)

const (
	defaultQuality = 82
	// DefaultDecodeBudget is the memory all decodes may hold at once
	// unless configured: two 50-megapixel camera JPEGs at a time, or one
	// 100-megapixel one.
	DefaultDecodeBudget = 256 << 20
)

// ErrUnusable marks a file that gives no picture (broken, hostile, or too
// large to decode): trying again gives the same answer, so a caller may
// record it instead of retrying. Cancellation never wraps it.
var ErrUnusable = derrors.New(derrors.Unusable, "no usable picture")

// Maker makes renditions. The zero value is ready to use.
type Maker struct {
	// FFmpeg is the ffmpeg binary; "" looks it up on PATH.
	FFmpeg string
	// MaxPixels refuses images larger than this before decoding them;
	// 0 means containers.MaxPixels.
	MaxPixels int64
	// Budget bounds the memory of all decodes at once; share one between
	// every Maker of a process. nil leaves each decode alone, bounded only
	// by a cost of at most DefaultDecodeBudget.
	Budget *Budget
	// Quality is the JPEG quality; 0 means 82.
	Quality int
}

// Source is one original to make renditions of.
type Source struct {
	Name string // file name, for messages and the type icon's label
	Kind assets.Kind
	R    io.ReaderAt
	Size int64
	// Path is a local copy of the original, if there is one; ffmpeg needs a
	// file, so without it a video is spooled to a temporary file.
	Path string
	// Orientation is the EXIF orientation 1..8 if known; 0 reads it from
	// the file. HEIF files ignore it: their own transforms are applied.
	Orientation int
}

// Output is one rendition.
type Output struct {
	Name          string // assets.Thumbnail, assets.Preview or assets.Poster
	Data          []byte
	Width, Height int
	MIME          string
}

// errPanic marks a panic recovered from a decoder, so that fuzzing can tell
// a crash from a refusal.
var errPanic = errors.New("decoder panicked")

// Make returns the renditions of src: thumbnail and preview for a photo,
// poster and thumbnail for a video, a type icon thumbnail for audio and
// documents.
func (m *Maker) Make(ctx context.Context, src Source) ([]Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("renditions of %s: %w", src.Name, err)
	}
	switch src.Kind {
	case assets.KindPhoto:
		return m.photo(ctx, src)
	case assets.KindVideo:
		return m.poster(ctx, src)
	case assets.KindAudio, assets.KindDocument:
		return typeIcon(src)
	}
	return nil, fmt.Errorf("renditions of %s: unknown kind %q", src.Name, src.Kind)
}

func (m *Maker) maxPixels() int64 {
	if m.MaxPixels > 0 {
		return m.MaxPixels
	}
	return containers.MaxPixels
}

// acquire takes n bytes of the budget for one decode; release gives them
// back.
func (m *Maker) acquire(ctx context.Context, n int64) (release func(), err error) {
	if m.Budget != nil {
		return m.Budget.Acquire(ctx, n)
	}
	return NewBudget(DefaultDecodeBudget, 1).Acquire(ctx, n)
}

// collect frees the memory of a large decode now. Left to itself the
// collector lets the heap grow to twice what was live at its last cycle,
// and that cycle may have run while the other decodes held their
// pictures: the resident memory would then be twice the budget, not the
// budget. A cycle costs tens of milliseconds (pixels hold no pointers to
// mark), against seconds for the decode.
func (m *Maker) collect(cost int64) {
	size := int64(DefaultDecodeBudget)
	if m.Budget != nil {
		size = m.Budget.Size()
	}
	if cost >= size/8 {
		runtime.GC()
	}
}

// unusable marks err as a property of the file, unless ctx ended: an
// error from a given-up request says nothing about the file.
func (m *Maker) unusable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnusable, err)
}

func (m *Maker) quality() int {
	if m.Quality > 0 && m.Quality <= 100 {
		return m.Quality
	}
	return defaultQuality
}

// guarded runs f in its own goroutine so that a decoder that loops or
// panics on hostile bytes neither hangs nor crashes the caller. On
// cancellation the goroutine is left to finish its bounded work.
func guarded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("%w: %v\n%s", errPanic, p, debug.Stack())
			}
			done <- r
		}()
		r.v, r.err = f()
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// encodeJPEG encodes an opaque image.
func encodeJPEG(n *image.NRGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, opaqueRGBA(n), &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
