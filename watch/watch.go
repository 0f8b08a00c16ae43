// Package watch notices camera cards being mounted and files arriving in
// upload folders, so that the server can start an ingest without anyone
// typing a command.
//
// File system events (fsnotify) make it quick; a full rescan every poll
// interval makes it correct on file systems that send no events (network
// shares, FUSE, some USB mounts) and after the kernel drops events.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"mediabank/internal/defaults"
)

// Config says what to watch. The zero value of every field but Uploads has
// a useful default.
type Config struct {
	// MountRoots are where the system mounts removable media; cards are
	// looked for one and two levels below each (/media/LABEL,
	// /media/<user>/LABEL). Nil means /media and /run/media; an empty,
	// non-nil slice watches for no cards. A root need not exist yet.
	MountRoots []string
	// Uploads are the folders people drop files into, watched recursively.
	Uploads []Upload
	// Settle is how long a file's size and modification time must stay
	// unchanged before it is reported (default 2 s).
	Settle time.Duration
	// Poll is the interval of the full rescan that finds whatever file
	// system events missed (default 5 s).
	Poll time.Duration
	// NoEvents turns fsnotify off: polling alone finds cards and files.
	NoEvents bool
	// Logger defaults to discarding; Now to time.Now.
	Logger *slog.Logger
	Now    func() time.Time

	// observed hears of every new state (size, modification time) of a
	// file the watcher records. Only the tests set it: with a fake Now,
	// they move time on once the watcher has seen what they wrote.
	observed func(path string, info fs.FileInfo)
}

// Upload is one upload folder and the collection its files belong to.
type Upload struct {
	Dir string
	// Collection is the collection of the folder's files, or "" for none.
	// With PerSubfolder it is the collection of files directly in Dir.
	Collection string
	// PerSubfolder maps each sub-folder to a collection of its name, one
	// sub-folder per coverage: <Dir>/<sub>/… belongs to collection <sub>.
	PerSubfolder bool
}

// Event is either a card or a batch of files; exactly one field is set.
type Event struct {
	Card  *Card
	Files *Files
}

// Card is a camera card just mounted.
type Card struct {
	Path  string // the card's root folder, e.g. /media/foto/EOS_DIGITAL
	Label string // the folder's name, usually the volume label
}

// Files are files that stopped changing together in one folder and belong
// to one collection: the server runs one ingest job for them.
type Files struct {
	Folder     string // the upload folder, or its sub-folder with PerSubfolder
	Collection string
	Paths      []string // absolute, sorted
}

// Watcher reports cards and files; it holds only its configuration, so
// each Run starts from what is on disk.
type Watcher struct {
	cfg Config
}

// New checks the configuration and fills in the defaults.
func New(cfg Config) (*Watcher, error) {
	if cfg.MountRoots == nil {
		cfg.MountRoots = []string{"/media", "/run/media"}
	}
	if cfg.Settle == 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.Poll == 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Settle < 0 || cfg.Poll < 0 {
		return nil, fmt.Errorf("watch: settle %v and poll %v must not be negative", cfg.Settle, cfg.Poll)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Now = defaults.Clock(cfg.Now)
	roots := make([]string, len(cfg.MountRoots))
	for i, root := range cfg.MountRoots {
		abs, err := absDir(root)
		if err != nil {
			return nil, fmt.Errorf("watch: mount root %q: %w", root, err)
		}
		roots[i] = abs
	}
	cfg.MountRoots = roots
	uploads := make([]Upload, len(cfg.Uploads))
	for i, u := range cfg.Uploads {
		abs, err := absDir(u.Dir)
		if err != nil {
			return nil, fmt.Errorf("watch: upload folder %q: %w", u.Dir, err)
		}
		u.Dir = abs
		// A file must belong to one upload folder, or it would be
		// reported twice with two collections.
		for _, other := range uploads[:i] {
			if _, ok := within(other.Dir, abs); ok {
				return nil, fmt.Errorf("watch: upload folder %s is inside %s", abs, other.Dir)
			}
			if _, ok := within(abs, other.Dir); ok {
				return nil, fmt.Errorf("watch: upload folder %s is inside %s", other.Dir, abs)
			}
		}
		uploads[i] = u
	}
	cfg.Uploads = uploads
	return &Watcher{cfg: cfg}, nil
}

func absDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("empty path")
	}
	return filepath.Abs(dir)
}

// run is the state of one Run; only Run's goroutine touches it.
type run struct {
	cfg     Config
	fs      *fsnotify.Watcher // nil when polling only
	out     chan<- Event
	cards   map[string]bool // cards mounted now, all already reported
	uploads []*folder
	// watchFailed keeps a full inotify table from filling the log every poll.
	watchFailed bool
}

// Run reports cards and files on events until ctx is done, and then
// returns ctx.Err(). It does not close events; a slow reader slows the
// watcher down but loses nothing, since the next rescan catches up.
func (w *Watcher) Run(ctx context.Context, events chan<- Event) error {
	r := &run{cfg: w.cfg, out: events, cards: map[string]bool{}}
	for _, u := range w.cfg.Uploads {
		r.uploads = append(r.uploads, newFolder(u, w.cfg.observed))
	}
	var fsEvents <-chan fsnotify.Event
	var fsErrors <-chan error
	if !w.cfg.NoEvents {
		fw, err := fsnotify.NewWatcher()
		if err != nil {
			w.cfg.Logger.Warn("watch: no file system events, polling only", "poll", w.cfg.Poll, "err", err)
		} else {
			defer fw.Close()
			r.fs, fsEvents, fsErrors = fw, fw.Events, fw.Errors
		}
	}
	poll := time.NewTicker(w.cfg.Poll)
	defer poll.Stop()
	// The settle check runs only while some file waits to be reported, a
	// few times per settle period so that a batch is not held much longer.
	var settle <-chan time.Time
	err := r.scan(ctx)
	for err == nil {
		if settle == nil && r.waiting() {
			settle = time.After(w.cfg.Settle / 4)
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case ev := <-fsEvents:
			err = r.event(ctx, ev)
		case fsErr := <-fsErrors:
			err = r.fsError(ctx, fsErr)
		case <-poll.C:
			err = r.scan(ctx)
		case <-settle:
			settle = nil
			err = r.settle(ctx)
		}
	}
	return err
}

// scan looks at everything, as if no event had ever arrived.
func (r *run) scan(ctx context.Context) error {
	if err := r.scanCards(ctx); err != nil {
		return err
	}
	for _, f := range r.uploads {
		if err := r.scanUpload(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) event(ctx context.Context, ev fsnotify.Event) error {
	for _, root := range r.cfg.MountRoots {
		// Only the roots and the folders right below them are watched for
		// cards; deeper events come from upload folders on a mounted disk.
		if rest, ok := within(root, ev.Name); ok && strings.Count(rest, string(filepath.Separator)) <= 1 {
			if err := r.scanCards(ctx); err != nil {
				return err
			}
			break
		}
	}
	for _, f := range r.uploads {
		if _, ok := within(f.Dir, ev.Name); ok {
			return r.uploadEvent(ctx, f, ev.Name)
		}
	}
	return nil
}

func (r *run) fsError(ctx context.Context, err error) error {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		r.cfg.Logger.Warn("watch: file system events lost, rescanning", "err", err)
		return r.scan(ctx)
	}
	r.cfg.Logger.Warn("watch: file system events", "err", err)
	return nil
}

// watch asks for events from one folder; without them the poll still
// finds everything, so a failure is only logged.
func (r *run) watch(dir string) {
	if r.fs == nil {
		return
	}
	// Adding a watched folder again is cheap and harmless, and it re-arms
	// a folder that was deleted and made again between two scans.
	err := r.fs.Add(dir)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
	case !r.watchFailed:
		r.watchFailed = true
		r.cfg.Logger.Warn("watch: cannot watch folder, relying on polling", "dir", dir, "poll", r.cfg.Poll, "err", err)
	default:
		r.cfg.Logger.Debug("watch: cannot watch folder", "dir", dir, "err", err)
	}
}

// unwatch drops the watches of a folder gone and of those below it. A
// folder moved keeps its inotify watch, and adding it again under its new
// name would keep the old name in its events.
func (r *run) unwatch(dir string) {
	if r.fs == nil {
		return
	}
	for _, p := range r.fs.WatchList() {
		if _, ok := within(dir, p); ok {
			// It may be gone already, removed with its folder.
			_ = r.fs.Remove(p)
		}
	}
}

func (r *run) send(ctx context.Context, ev Event) error {
	select {
	case r.out <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// within tells whether path is dir or below it, and what follows dir.
func within(dir, path string) (rest string, ok bool) {
	if path == dir {
		return "", true
	}
	prefix := dir
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	return strings.CutPrefix(path, prefix)
}
