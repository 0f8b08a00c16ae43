package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	src, done, err := renditions.Open(ctx, store, a)
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

func extOf(mime string) string {
	switch mime {
	case "image/png":
		return "png"
	case "image/webp":
		return "webp"
	}
	return "jpg"
}
