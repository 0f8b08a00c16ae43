package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mediabank/assets"
)

// file is one piece of media found on a card or in a folder.
type file struct {
	root string // the folder or card being ingested
	path string // absolute path on disk
	rel  string // path relative to root, slash-separated, as shown to people
	info fs.FileInfo
	// stack is set when the camera wrote more than one file of the shot
	// (RAW+JPEG): the shared base name, relative to root.
	stack string
}

// systemNames are files and folders that operating systems and cameras
// leave on cards; they are never media.
var systemNames = map[string]bool{
	"thumbs.db": true, "desktop.ini": true, "ehthumbs.db": true,
	"system volume information": true, "$recycle.bin": true,
	"lost+found": true, "icon\r": true,
}

// skipName tells whether a name is system or hidden clutter (.DS_Store,
// ._IMG_0001.JPG, .Trashes, .Spotlight-V100, Thumbs.db …).
func skipName(name string) bool {
	return strings.HasPrefix(name, ".") || systemNames[strings.ToLower(name)]
}

// walk finds every media file under the roots and sends them to out,
// largest first, counting what it passes over. It never opens a file for
// writing: it only reads directory entries.
//
// Listing a card takes milliseconds, so it is listed whole before the
// first file goes out: starting the largest files (videos) first keeps
// every worker busy to the end instead of leaving a lone video last.
func walk(ctx context.Context, roots []string, out chan<- file, st *stats) error {
	var list []file
	if err := listFiles(roots, st, &list); err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b file) int { return cmp.Compare(b.info.Size(), a.info.Size()) })
	for _, f := range list {
		select {
		case out <- f:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// listFiles lists the media files under the roots, in lexical order.
func listFiles(roots []string, st *stats, list *[]file) error {
	dirPairs := map[string]map[string]bool{} // folder of single files -> its shots with pairs
	for _, root := range roots {
		abs, err := filepath.Abs(root)
		if err != nil {
			return fmt.Errorf("ingest: walk %s: %w", root, err)
		}
		info, err := os.Stat(abs)
		if err != nil {
			return fmt.Errorf("ingest: walk %s: %w", root, err)
		}
		if !info.IsDir() {
			// A single file: its folder is the root, so its sidecar and
			// its RAW or JPEG twin are found.
			dir := filepath.Dir(abs)
			if _, ok := dirPairs[dir]; !ok {
				dirPairs[dir] = shotsWithPairs(dir)
			}
			add(list, st, dir, abs, info, dirPairs[dir])
			continue
		}
		pairs := map[string]map[string]bool{} // folder -> base names with several media files
		err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				// An unreadable folder is reported and the rest goes on.
				st.fail(p, fmt.Errorf("read folder: %w", err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != abs && skipName(d.Name()) {
				st.skipped.Add(1)
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				pairs[p] = shotsWithPairs(p)
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				st.fail(p, fmt.Errorf("stat: %w", err))
				return nil
			}
			add(list, st, abs, p, info, pairs[filepath.Dir(p)])
			return nil
		})
		if err != nil {
			return fmt.Errorf("ingest: walk %s: %w", root, err)
		}
	}
	return nil
}

func add(list *[]file, st *stats, root, p string, info fs.FileInfo, pairs map[string]bool) {
	name := info.Name()
	if assets.IsSidecar(name) {
		// Read with its image, not on its own.
		st.sidecars.Add(1)
		return
	}
	if _, _, ok := assets.KindOf(name); !ok {
		st.skipped.Add(1)
		return
	}
	rel, err := filepath.Rel(root, p)
	if err != nil {
		rel = name
	}
	if rel == "." {
		rel = name
	}
	f := file{root: root, path: p, rel: filepath.ToSlash(rel), info: info}
	if base := baseName(name); pairs[base] {
		f.stack = strings.TrimSuffix(f.rel, filepath.Ext(f.rel))
	}
	st.filesTotal.Add(1)
	st.bytesTotal.Add(info.Size())
	*list = append(*list, f)
}

// shotsWithPairs lists the base names in a folder that more than one media
// file shares (IMG_0001.CR2 and IMG_0001.JPG): one shot, one stack. An
// unreadable folder has none; WalkDir reports its error.
func shotsWithPairs(dir string) map[string]bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	seen := map[string]int{}
	for _, e := range entries {
		if _, _, ok := assets.KindOf(e.Name()); ok && !e.IsDir() {
			seen[baseName(e.Name())]++
		}
	}
	var pairs map[string]bool
	for base, n := range seen {
		if n > 1 {
			if pairs == nil {
				pairs = map[string]bool{}
			}
			pairs[base] = true
		}
	}
	return pairs
}

func baseName(name string) string {
	return strings.ToUpper(strings.TrimSuffix(name, filepath.Ext(name)))
}

var errNotRegular = errors.New("not a regular file")
