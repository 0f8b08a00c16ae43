package watch

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// folder is what is known of one upload folder: only the files present in
// it now, so memory follows the folder, not its history.
type folder struct {
	Upload
	files   map[string]*file // regular files, by path
	pending map[string]*file // those not reported in their current state
	scans   uint64           // full scans so far, to find the files gone
	// observed is Config.observed, called at each new state recorded.
	observed func(path string, info fs.FileInfo)
}

// file is a file as last seen.
type file struct {
	size    int64
	mtime   time.Time
	changed time.Time // when this size and mtime were first seen
	seen    uint64    // the full scan that last found it
}

func newFolder(u Upload, observed func(string, fs.FileInfo)) *folder {
	return &folder{Upload: u, files: map[string]*file{}, pending: map[string]*file{}, observed: observed}
}

// ignored tells whether a name is a file still being downloaded or saved
// (Firefox .part, Chrome .crdownload, editors' .tmp and Office ~$ locks) or
// hidden (rsync's temporary .name.XXXXXX, .DS_Store, ._ resource forks).
func ignored(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".part", ".crdownload", ".tmp":
		return true
	}
	return false
}

// observe records a file as it is now; a new or changed file waits to be
// reported again.
func (f *folder) observe(path string, info fs.FileInfo, now time.Time) *file {
	e := f.files[path]
	if e != nil && e.size == info.Size() && e.mtime.Equal(info.ModTime()) {
		return e
	}
	e = &file{size: info.Size(), mtime: info.ModTime(), changed: now}
	f.files[path] = e
	f.pending[path] = e
	if f.observed != nil {
		f.observed(path, info)
	}
	return e
}

// forget drops path and, when it was a folder, everything below it.
func (f *folder) forget(path string) {
	if _, ok := f.files[path]; ok {
		delete(f.files, path)
		delete(f.pending, path)
		return
	}
	for p := range f.files {
		if _, ok := within(path, p); ok {
			delete(f.files, p)
			delete(f.pending, p)
		}
	}
}

func (r *run) waiting() bool {
	for _, f := range r.uploads {
		if len(f.pending) > 0 {
			return true
		}
	}
	return false
}

// scanUpload walks the whole upload folder and forgets the files gone.
func (r *run) scanUpload(ctx context.Context, f *folder) error {
	f.scans++
	if err := r.walk(ctx, f, f.Dir); err != nil {
		return err
	}
	for p, e := range f.files {
		if e.seen != f.scans {
			delete(f.files, p)
			delete(f.pending, p)
		}
	}
	return nil
}

// uploadEvent looks at the one path an event names.
func (r *run) uploadEvent(ctx context.Context, f *folder, path string) error {
	info, err := os.Lstat(path)
	switch {
	case err != nil:
		// Removed or renamed away: its new name, if it has one here, comes
		// with an event of its own.
		if _, ok := f.files[path]; !ok {
			r.unwatch(path) // a folder, perhaps
		}
		f.forget(path)
	case info.IsDir():
		// A new folder, or one moved in whole: files in it may predate
		// the watch on it.
		return r.walk(ctx, f, path)
	case info.Mode().IsRegular() && !ignored(info.Name()):
		f.observe(path, info, r.cfg.Now())
	}
	return nil
}

// walk watches every folder from dir down and observes every file in them,
// marking them seen by the current full scan.
func (r *run) walk(ctx context.Context, f *folder, dir string) error {
	now := r.cfg.Now()
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A folder not there yet or unreadable is looked at again at
			// the next scan; the rest goes on.
			r.cfg.Logger.Debug("watch: read upload folder", "dir", p, "err", err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != f.Dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			// Watch before WalkDir reads the folder, so a file made in
			// between is not missed.
			r.watch(p)
			return nil
		}
		if !d.Type().IsRegular() || ignored(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone since the folder was read
		}
		f.observe(p, info, now).seen = f.scans
		return nil
	})
}

// batch is where a file goes: one ingest job per batch.
type batch struct {
	folder, collection string
}

func (f *folder) batchOf(path string) batch {
	if f.PerSubfolder {
		if rest, _ := within(f.Dir, path); strings.Contains(rest, string(filepath.Separator)) {
			sub, _, _ := strings.Cut(rest, string(filepath.Separator))
			return batch{folder: filepath.Join(f.Dir, sub), collection: sub}
		}
	}
	return batch{folder: f.Dir, collection: f.Collection}
}

// settle reports the files that have stopped changing.
func (r *run) settle(ctx context.Context) error {
	for _, f := range r.uploads {
		for _, b := range f.settled(r.cfg.Now(), r.cfg.Settle) {
			r.cfg.Logger.Debug("watch: files settled", "folder", b.Folder, "collection", b.Collection, "files", len(b.Paths))
			if err := r.send(ctx, Event{Files: b}); err != nil {
				return err
			}
		}
	}
	return nil
}

// settled returns, per batch, the files whose size and modification time
// have not changed for the settle period. A batch waits until none of its
// files changed for that long, so files copied together go together; but
// no longer than twice that, so a steady stream still flows.
func (f *folder) settled(now time.Time, settle time.Duration) []*Files {
	type group struct {
		first, last time.Time
		paths       []string
	}
	groups := map[batch]*group{}
	for p, e := range f.pending {
		b := f.batchOf(p)
		g := groups[b]
		if g == nil {
			g = &group{first: e.changed, last: e.changed}
			groups[b] = g
		}
		g.first = minTime(g.first, e.changed)
		g.last = maxTime(g.last, e.changed)
		g.paths = append(g.paths, p)
	}
	var out []*Files
	for b, g := range groups {
		if now.Sub(g.last) < settle && now.Sub(g.first) < 2*settle {
			continue
		}
		var ready []string
		for _, p := range g.paths {
			e := f.pending[p]
			if now.Sub(e.changed) < settle {
				continue
			}
			// Look again: an event may have been lost, or there are none.
			info, err := os.Lstat(p)
			if errors.Is(err, fs.ErrNotExist) {
				f.forget(p)
				continue
			}
			if err != nil || !info.Mode().IsRegular() {
				continue // the next full scan settles what it is now
			}
			if f.observe(p, info, now) != e {
				continue // still growing
			}
			delete(f.pending, p)
			ready = append(ready, p)
		}
		if len(ready) > 0 {
			slices.Sort(ready)
			out = append(out, &Files{Folder: b.folder, Collection: b.collection, Paths: ready})
		}
	}
	slices.SortFunc(out, func(a, b *Files) int { return cmp.Compare(a.Folder, b.Folder) })
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
