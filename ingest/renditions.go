package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"mediabank/assets"
	"mediabank/renditions"
)

// renditions makes the renditions of the run's new assets, one worker per
// CPU, reading each original back from the store (the card may be gone).
func (r *run) renditions(ctx context.Context) {
	r.mu.Lock()
	todo := r.pending
	r.pending = nil
	r.mu.Unlock()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(todo)) && ctx.Err() == nil; i = next.Add(1) - 1 {
				a := todo[i]
				n, err := MakeRenditions(ctx, r.in.store, r.in.render, a)
				r.st.renditions.Add(int64(n))
				if err != nil {
					r.st.renditionErrs.Add(1)
					r.log.Warn("renditions failed", "id", a.ID, "file", a.FileName, "err", err)
				}
			}
		})
	}
	wg.Wait()
}

// MakeRenditions makes and stores the renditions of asset a and records
// them in its record. It returns how many it stored. When the file gives
// no picture (renditions.ErrUnusable) the reason is recorded instead, so
// that nobody tries again until asked to (`mediabank renditions`).
func MakeRenditions(ctx context.Context, store assets.Store, render Renderer, a *assets.Asset) (int, error) {
	src, done, err := openLocal(ctx, store, a)
	if err != nil {
		return 0, fmt.Errorf("renditions of %s: %w", a.ID, err)
	}
	outs, err := render.Make(ctx, src)
	done()
	if err != nil {
		err = fmt.Errorf("renditions of %s (%s): %w", a.ID, a.FileName, err)
		if errors.Is(err, renditions.ErrUnusable) {
			failure := &assets.RenditionFailure{Reason: err.Error(), At: time.Now().UTC()}
			if rerr := updateRecord(ctx, store, a.ID, func(rec *assets.Asset) { rec.RenditionFailure = failure }); rerr != nil {
				return 0, errors.Join(err, rerr)
			}
		}
		return 0, err
	}
	made := map[string]assets.Rendition{}
	for _, o := range outs {
		key := assets.RenditionKey(a.ID, o.Name, extOf(o.MIME))
		if _, err := store.Put(ctx, key, bytes.NewReader(o.Data), int64(len(o.Data)), assets.PutOptions{ContentType: o.MIME}); err != nil {
			return 0, fmt.Errorf("renditions of %s: %w", a.ID, err)
		}
		made[o.Name] = assets.Rendition{Key: key, Width: o.Width, Height: o.Height, Size: int64(len(o.Data)), MIME: o.MIME}
	}
	err = updateRecord(ctx, store, a.ID, func(rec *assets.Asset) {
		if rec.Renditions == nil {
			rec.Renditions = map[string]assets.Rendition{}
		}
		for name, rd := range made {
			rec.Renditions[name] = rd
		}
		rec.RenditionFailure = nil
	})
	if err != nil {
		return 0, err
	}
	return len(made), nil
}

// updateRecord applies change to the latest record of asset id: someone
// may be editing the record at the same time.
func updateRecord(ctx context.Context, store assets.Store, id string, change func(*assets.Asset)) error {
	_, err := assets.UpdateRecord(ctx, store, assets.RecordKey(id), assets.UpdateOptions{}, func(rec *assets.Asset) error {
		change(rec)
		return nil
	})
	if err != nil {
		return fmt.Errorf("renditions of %s: %w", id, err)
	}
	return nil
}

// openLocal gives the renderer the original with cheap random access:
// the file itself for a local store; for a remote one, whose every ReadAt
// would be an HTTP request, the bytes in memory, or a temporary file for
// large ones (which ffmpeg also needs as a path). done releases it.
func openLocal(ctx context.Context, store assets.Store, a *assets.Asset) (renditions.Source, func(), error) {
	src := renditions.Source{Name: a.FileName, Kind: a.Meta.Kind, Orientation: a.Meta.Orientation}
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
	if obj.Size <= inMemoryRendition {
		data, err := io.ReadAll(io.LimitReader(rd, inMemoryRendition+1))
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

// inMemoryRendition is the largest original read into memory to make its
// renditions; one per CPU is rendering at a time.
const inMemoryRendition = 64 << 20

func extOf(mime string) string {
	switch mime {
	case "image/png":
		return "png"
	case "image/webp":
		return "webp"
	}
	return "jpg"
}
