package watch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// scanCards finds the cards mounted now, reports those not mounted at the
// last scan, and forgets the ones gone, so a card mounted again is
// reported again.
func (r *run) scanCards(ctx context.Context) error {
	found := map[string]bool{}
	for _, root := range r.cfg.MountRoots {
		// Watch before reading, so a card mounted in between is not missed.
		r.watch(root)
		for _, p := range r.subdirs(root) {
			// Below the root come cards (/media/LABEL) or per-user folders
			// (/media/<user>/LABEL), whose new entries must wake us too.
			r.watch(p)
			if isCard(p) {
				found[p] = true
				continue
			}
			for _, q := range r.subdirs(p) {
				if isCard(q) {
					found[q] = true
				}
			}
		}
	}
	var mounted []string
	for p := range found {
		if !r.cards[p] {
			mounted = append(mounted, p)
		}
	}
	slices.Sort(mounted)
	r.cards = found
	for _, p := range mounted {
		r.cfg.Logger.Info("watch: card mounted", "path", p)
		if err := r.send(ctx, Event{Card: &Card{Path: p, Label: filepath.Base(p)}}); err != nil {
			return err
		}
	}
	return nil
}

// subdirs lists the folders in dir; a missing or unreadable dir has none,
// and is looked at again at the next scan.
func (r *run) subdirs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		r.cfg.Logger.Debug("watch: read mount folder", "dir", dir, "err", err)
		return nil
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	return dirs
}

// isCard tells whether dir holds what cameras write: DCIM for photos (and
// most video), PRIVATE/M4ROOT for Sony XAVC, AVCHD or PRIVATE/AVCHD for
// AVCHD. FAT file systems may show the names in any case.
func isCard(dir string) bool {
	for _, name := range dirNames(dir) {
		switch strings.ToUpper(name) {
		case "DCIM", "AVCHD":
			return true
		case "PRIVATE":
			for _, sub := range dirNames(filepath.Join(dir, name)) {
				if s := strings.ToUpper(sub); s == "M4ROOT" || s == "AVCHD" {
					return true
				}
			}
		}
	}
	return false
}

func dirNames(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}
