package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"mediabank/internal/testkit"
	"mediabank/watch"
)

// modes are the two ways the watcher learns of changes; every behaviour
// must hold in both. With events the poll is too slow to help, so the
// events alone are tested; without them the poll alone is.
var modes = []struct {
	name     string
	noEvents bool
	poll     time.Duration
}{
	{"events", false, time.Hour},
	{"polling", true, 50 * time.Millisecond},
}

// start runs a watcher until the test ends.
func start(t *testing.T, cfg watch.Config) <-chan watch.Event {
	t.Helper()
	w, err := watch.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan watch.Event, 100)
	done := make(chan error)
	go func() { done <- w.Run(ctx, events) }()
	t.Cleanup(func() {
		cancel()
		patience, stop := testkit.Patience(t)
		defer stop()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-patience.Done():
			t.Error("Run did not return after its context was cancelled")
		}
	})
	return events
}

func next(t *testing.T, events <-chan watch.Event) watch.Event {
	t.Helper()
	patience, stop := testkit.Patience(t)
	defer stop()
	select {
	case ev := <-events:
		return ev
	case <-patience.Done():
		t.Fatal("no event")
		return watch.Event{}
	}
}

// clock is the watcher's time in the tests of upload folders. Only the
// test moves it, and only once the watcher has seen the files as they are
// on disk (it records what the watcher saw): so how long a file has been
// unchanged is decided by the test, never by the speed of the machine.
// The settle check still runs on a real timer; it finds time moved on.
type clock struct {
	*testkit.Clock
	mu   sync.Mutex
	seen map[string]state // what the watcher last recorded of each file
	wake chan struct{}    // closed and replaced at each record
	// patience ends the waits of a test whose watcher never sees a file.
	patience context.Context
}

// state is what the watcher compares to tell a file changed.
type state struct {
	size  int64
	mtime time.Time
}

func newClock(t *testing.T) *clock {
	patience, stop := testkit.Patience(t)
	t.Cleanup(stop)
	return &clock{Clock: testkit.NewClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)), seen: map[string]state{}, wake: make(chan struct{}), patience: patience}
}

func (c *clock) observed(path string, info fs.FileInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[path] = state{info.Size(), info.ModTime()}
	close(c.wake)
	c.wake = make(chan struct{})
}

// forget drops what the watcher saw of path, before a change that may
// bring it back as it was, so that waiting for it waits for a new look.
func (c *clock) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, path)
}

// wait waits until ok holds of what the watcher has seen; it may be called
// from any goroutine.
func (c *clock) wait(what string, ok func(seen map[string]state) bool) error {
	for {
		c.mu.Lock()
		done, wake := ok(c.seen), c.wake
		c.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-wake:
		case <-c.patience.Done():
			return fmt.Errorf("the watcher never saw %s", what)
		}
	}
}

// waitSeen waits until the watcher has seen each path as it is now.
func (c *clock) waitSeen(t *testing.T, paths ...string) {
	t.Helper()
	want := map[string]state{}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want[p] = state{info.Size(), info.ModTime()}
	}
	err := c.wait(fmt.Sprintf("%q as written", paths), func(seen map[string]state) bool {
		for p, w := range want {
			if s, ok := seen[p]; !ok || s.size != w.size || !s.mtime.Equal(w.mtime) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

// settle lets the watcher report paths: once it has seen them as they are
// now, time moves on by the settle period.
func (c *clock) settle(t *testing.T, settle time.Duration, paths ...string) {
	t.Helper()
	c.waitSeen(t, paths...)
	c.Advance(settle)
}

// startUploads runs a watcher on the clock until the test ends.
func startUploads(t *testing.T, c *clock, cfg watch.Config) <-chan watch.Event {
	t.Helper()
	cfg.Now = c.Now
	watch.SetObserved(&cfg, c.observed)
	return start(t, cfg)
}

// inModes runs test in each mode, with a watcher on the clock of one
// upload folder, dir, filed into collection.
func inModes(t *testing.T, collection string, settle time.Duration, test func(t *testing.T, dir string, c *clock, events <-chan watch.Event)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			dir := t.TempDir()
			c := newClock(t)
			test(t, dir, c, startUploads(t, c, watch.Config{MountRoots: []string{}, Uploads: []watch.Upload{{Dir: dir, Collection: collection}}, Settle: settle, Poll: m.poll, NoEvents: m.noEvents}))
		})
	}
}

// makeCard builds a card in a staging folder, then moves it to path at
// once, as a mount makes a whole file system appear.
func makeCard(t *testing.T, path string, dirs ...string) {
	t.Helper()
	staging := filepath.Join(t.TempDir(), "card")
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(staging, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(staging, path); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCards(t *testing.T) {
	tests := []struct {
		name string
		path string   // below the mount root
		dirs []string // inside the folder
		want bool     // a card
	}{
		{"canon under user", "foto/EOS_DIGITAL", []string{"DCIM/100CANON"}, true},
		{"directly under root", "NIKON_Z6", []string{"DCIM"}, true},
		{"sony xavc", "foto/SONY", []string{"PRIVATE/M4ROOT/CLIP"}, true},
		{"avchd under private", "foto/HANDYCAM", []string{"PRIVATE/AVCHD/BDMV"}, true},
		{"avchd", "foto/PANASONIC", []string{"AVCHD"}, true},
		{"lower case dcim", "foto/sdcard", []string{"dcim"}, true},
		{"usb stick without dcim", "foto/FLASHDISK", []string{"Dokumen", "PRIVATE/other"}, false},
		{"dcim too deep", "foto/backup/old", []string{"DCIM"}, false},
	}
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				root := t.TempDir()
				events := start(t, watch.Config{MountRoots: []string{root}, Settle: 100 * time.Millisecond, Poll: m.poll, NoEvents: m.noEvents})
				makeCard(t, filepath.Join(root, tt.path), tt.dirs...)
				// The sentinel sorts after every case, so it comes last:
				// whatever comes before it is what the case produced.
				sentinel := filepath.Join(root, "zz", "SENTINEL")
				makeCard(t, sentinel, "DCIM")
				var got []watch.Card
				for {
					ev := next(t, events)
					if ev.Card == nil {
						t.Fatalf("got %+v, want a card", ev)
					}
					if ev.Card.Path == sentinel {
						break
					}
					got = append(got, *ev.Card)
				}
				var want []watch.Card
				if tt.want {
					want = []watch.Card{{Path: filepath.Join(root, tt.path), Label: filepath.Base(tt.path)}}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			})
		}
	}
}

// TestCardRemounted checks that a card is reported once while it stays
// mounted, and again after being unmounted and mounted again.
func TestCardRemounted(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			root := t.TempDir()
			events := start(t, watch.Config{MountRoots: []string{root}, Poll: m.poll, NoEvents: m.noEvents})
			card := filepath.Join(root, "foto", "EOS_DIGITAL")
			// other cards, mounted between steps, show that the watcher
			// has looked again without reporting the first card twice.
			other := func(name string) string { return filepath.Join(root, "foto", name) }
			unmounted := filepath.Join(t.TempDir(), "unmounted")

			var got []string
			step := func(wait string) {
				t.Helper()
				for {
					ev := next(t, events)
					got = append(got, ev.Card.Path)
					if ev.Card.Path == wait {
						return
					}
				}
			}
			makeCard(t, card, "DCIM")
			step(card)
			makeCard(t, other("A"), "DCIM")
			step(other("A"))
			if err := os.Rename(card, unmounted); err != nil {
				t.Fatal(err)
			}
			makeCard(t, other("B"), "DCIM")
			step(other("B"))
			if err := os.Rename(unmounted, card); err != nil {
				t.Fatal(err)
			}
			step(card)
			makeCard(t, other("C"), "DCIM")
			step(other("C"))

			want := []string{card, other("A"), other("B"), card, other("C")}
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestMountRootAppearsLater checks that a mount root missing at start is
// watched once it exists.
func TestMountRootAppearsLater(t *testing.T) {
	root := filepath.Join(t.TempDir(), "media")
	events := start(t, watch.Config{MountRoots: []string{root}, Poll: 50 * time.Millisecond})
	card := filepath.Join(root, "foto", "EOS_DIGITAL")
	makeCard(t, card, "DCIM")
	got := next(t, events)
	want := watch.Event{Card: &watch.Card{Path: card, Label: "EOS_DIGITAL"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestSlowWrite checks that a video written in chunks for two seconds is
// reported once, after its last chunk, while a photo copied next to it at
// the start is not held back until then.
func TestSlowWrite(t *testing.T) {
	const (
		settle = 500 * time.Millisecond
		gap    = 50 * time.Millisecond // between chunks: a slow card reader
		chunks = 40                    // two seconds of writing
		// lead is how many chunks the writer may be ahead of what the
		// watcher has seen: a settle period's worth, so that the watcher's
		// checks fall while the video grows, whatever the machine's speed.
		lead = int(settle / gap)
		// At pause, a group's limit of twice the settle period has passed
		// since the photo: the writer waits there for the photo's report.
		pause = 30
	)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			poll := m.poll
			if m.noEvents {
				// Slower than the settle period, as with the defaults, so
				// that mostly the settle check's own look sees the growth.
				poll = 2 * settle
			}
			dir := t.TempDir()
			c := newClock(t)
			events := startUploads(t, c, watch.Config{MountRoots: []string{}, Uploads: []watch.Upload{{Dir: dir}}, Settle: settle, Poll: poll, NoEvents: m.noEvents})
			video := filepath.Join(dir, "MVI_0001.MP4")
			photo := filepath.Join(dir, "IMG_0001.JPG")
			writeFile(t, photo, "jpeg")
			c.waitSeen(t, photo)

			photoReported := make(chan struct{})
			written := make(chan error, 1)
			go func() {
				f, err := os.Create(video)
				if err != nil {
					written <- err
					return
				}
				defer f.Close()
				chunk := make([]byte, 64<<10)
				for i := 1; i <= chunks; i++ {
					if _, err := f.Write(chunk); err != nil {
						written <- err
						return
					}
					c.Advance(gap)
					if i > lead {
						behind := int64(i-lead) * int64(len(chunk))
						err := c.wait(fmt.Sprintf("%s at %d bytes", video, behind), func(seen map[string]state) bool {
							return seen[video].size >= behind
						})
						if err != nil {
							written <- err
							return
						}
					}
					if i == pause {
						select {
						case <-photoReported:
						case <-c.patience.Done():
							written <- errors.New("the photo was held back while the video was written")
							return
						}
					}
				}
				written <- f.Close()
			}()

			got := map[string]int{}
			record := func(ev watch.Event) {
				t.Helper()
				if ev.Files == nil || ev.Files.Folder != dir {
					t.Fatalf("got %+v, want files of %s", ev, dir)
				}
				for _, p := range ev.Files.Paths {
					got[p]++
				}
			}
			for writing := true; writing; {
				select {
				case err := <-written:
					if err != nil {
						t.Fatal(err)
					}
					writing = false
				case ev := <-events:
					before := got[photo]
					record(ev)
					if got[video] > 0 {
						t.Fatal("the video was reported while still being written")
					}
					if before == 0 && got[photo] > 0 {
						close(photoReported)
					}
				case <-c.patience.Done():
					t.Fatal("the video was never written")
				}
			}
			c.settle(t, settle, video)
			record(next(t, events))
			// Reported once: the next event is another file's.
			other := filepath.Join(dir, "IMG_0002.JPG")
			writeFile(t, other, "jpeg")
			c.settle(t, settle, other)
			record(next(t, events))
			want := map[string]int{video: 1, photo: 1, other: 1}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v reports, want %v", got, want)
			}
		})
	}
}

// TestBurst checks that files copied one after the other, as a file
// manager does, come in one batch.
func TestBurst(t *testing.T) {
	const settle = 300 * time.Millisecond
	inModes(t, "hut-kota", settle, func(t *testing.T, dir string, c *clock, events <-chan watch.Event) {
		var want []string
		for i := range 20 {
			p := filepath.Join(dir, "DSC", fmt.Sprintf("DSC_%04d.NEF", i))
			writeFile(t, p, "raw")
			want = append(want, p)
			c.waitSeen(t, p)
			c.Advance(20 * time.Millisecond) // the copy of the next file
		}
		c.Advance(settle)
		var got []string
		batches := 0
		for len(got) < len(want) {
			ev := next(t, events)
			if ev.Files == nil || ev.Files.Folder != dir || ev.Files.Collection != "hut-kota" {
				t.Fatalf("got %+v, want files of %s in hut-kota", ev, dir)
			}
			got = append(got, ev.Files.Paths...)
			batches++
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if batches != 1 {
			t.Errorf("got %d batches, want 1", batches)
		}
	})
}

// TestNewSubfolder checks that folders made or renamed while watching are
// watched: with events only, nothing else would find the files made in
// them last.
func TestNewSubfolder(t *testing.T) {
	const settle = 100 * time.Millisecond
	inModes(t, "", settle, func(t *testing.T, dir string, c *clock, events <-chan watch.Event) {
		sub := filepath.Join(dir, "hari1", "kamera2")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		// Once this file is reported, the folders made before it have
		// been seen too.
		first := filepath.Join(dir, "a.jpg")
		writeFile(t, first, "jpeg")
		c.settle(t, settle, first)
		got := next(t, events).Files.Paths
		late := filepath.Join(sub, "b.jpg")
		writeFile(t, late, "jpeg")
		c.settle(t, settle, late)
		got = append(got, next(t, events).Files.Paths...)
		// Renamed, the folders are watched under their new name, and
		// the file moved is new there (it may change collection).
		moved := filepath.Join(dir, "hari1-pagi")
		if err := os.Rename(filepath.Join(dir, "hari1"), moved); err != nil {
			t.Fatal(err)
		}
		c.settle(t, settle, filepath.Join(moved, "kamera2", "b.jpg"))
		got = append(got, next(t, events).Files.Paths...)
		last := filepath.Join(moved, "kamera2", "c.jpg")
		writeFile(t, last, "jpeg")
		c.settle(t, settle, last)
		got = append(got, next(t, events).Files.Paths...)
		want := []string{first, late, filepath.Join(moved, "kamera2", "b.jpg"), last}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// TestCollections checks where files go, in folders made after the
// watcher started.
func TestCollections(t *testing.T) {
	const settle = 100 * time.Millisecond
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fixed, per := t.TempDir(), t.TempDir()
			c := newClock(t)
			events := startUploads(t, c, watch.Config{
				MountRoots: []string{},
				Uploads: []watch.Upload{
					{Dir: fixed, Collection: "pelantikan"},
					{Dir: per, Collection: "lain-lain", PerSubfolder: true},
				},
				Settle: settle, Poll: m.poll, NoEvents: m.noEvents,
			})
			type place struct{ folder, collection string }
			tests := []struct {
				path string
				want place
			}{
				{filepath.Join(fixed, "a.jpg"), place{fixed, "pelantikan"}},
				{filepath.Join(fixed, "hari1", "b.jpg"), place{fixed, "pelantikan"}},
				{filepath.Join(per, "c.jpg"), place{per, "lain-lain"}},
				{filepath.Join(per, "hut-kota", "d.jpg"), place{filepath.Join(per, "hut-kota"), "hut-kota"}},
				{filepath.Join(per, "hut-kota", "kamera2", "siang", "e.mp4"), place{filepath.Join(per, "hut-kota"), "hut-kota"}},
				{filepath.Join(per, "banjir-cipondoh", "f.jpg"), place{filepath.Join(per, "banjir-cipondoh"), "banjir-cipondoh"}},
			}
			want := map[string]place{}
			var paths []string
			for _, tt := range tests {
				writeFile(t, tt.path, "media")
				want[tt.path] = tt.want
				paths = append(paths, tt.path)
			}
			c.settle(t, settle, paths...)
			got := map[string]place{}
			for len(got) < len(want) {
				ev := next(t, events)
				for _, p := range ev.Files.Paths {
					if _, dup := got[p]; dup {
						t.Errorf("%s reported twice", p)
					}
					got[p] = place{ev.Files.Folder, ev.Files.Collection}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestIgnored checks that partial and hidden files are not reported, and
// that a finished download is, under its final name.
func TestIgnored(t *testing.T) {
	const settle = 100 * time.Millisecond
	inModes(t, "", settle, func(t *testing.T, dir string, c *clock, events <-chan watch.Event) {
		for _, name := range []string{
			"IMG_0001.JPG.part", "VID.MP4.crdownload", "x.TMP", ".DS_Store", "._IMG_0002.JPG",
			"~$laporan.docx", ".IMG_0003.JPG.Xa81k2", ".Trash-1000/files/IMG_0004.JPG",
		} {
			writeFile(t, filepath.Join(dir, name), "partial")
		}
		ok := filepath.Join(dir, "IMG_0005.JPG")
		writeFile(t, ok, "jpeg")
		c.settle(t, settle, ok)
		ev := next(t, events)
		want := &watch.Files{Folder: dir, Paths: []string{ok}}
		if !reflect.DeepEqual(ev.Files, want) {
			t.Errorf("got %+v, want %+v", ev.Files, want)
		}

		// The browser renames the download when it is complete.
		done := filepath.Join(dir, "IMG_0001.JPG")
		if err := os.Rename(done+".part", done); err != nil {
			t.Fatal(err)
		}
		c.settle(t, settle, done)
		ev = next(t, events)
		want = &watch.Files{Folder: dir, Paths: []string{done}}
		if !reflect.DeepEqual(ev.Files, want) {
			t.Errorf("after rename got %+v, want %+v", ev.Files, want)
		}
	})
}

// TestChanged checks that a reported file is reported again only when it
// changes, and again when it disappeared and came back.
func TestChanged(t *testing.T) {
	const settle = 100 * time.Millisecond
	inModes(t, "", settle, func(t *testing.T, dir string, c *clock, events <-chan watch.Event) {
		a := filepath.Join(dir, "a.jpg")
		var reported time.Time // a's time when last reported
		steps := []struct {
			name string
			do   func()
			want string // the one file of the next batch
		}{
			{"new", func() { writeFile(t, a, "one") }, a},
			{"another, a unchanged", func() { writeFile(t, filepath.Join(dir, "b.jpg"), "two") }, filepath.Join(dir, "b.jpg")},
			{"a grows", func() { writeFile(t, a, "one more") }, a},
			{"a gone, c new", func() {
				info, err := os.Stat(a)
				if err != nil {
					t.Fatal(err)
				}
				reported = info.ModTime()
				if err := os.Remove(a); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, "c.jpg"), "three")
			}, filepath.Join(dir, "c.jpg")},
			{"a back as it was", func() {
				// Made aside and moved in, so it comes back with the
				// size and time it had when reported: only forgetting
				// it makes it new.
				aside := filepath.Join(t.TempDir(), "a.jpg")
				writeFile(t, aside, "one more")
				if err := os.Chtimes(aside, reported, reported); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(aside, a); err != nil {
					t.Fatal(err)
				}
			}, a},
		}
		for _, s := range steps {
			// What the watcher saw before does not count: a may come
			// back as it was.
			c.forget(s.want)
			s.do()
			c.settle(t, settle, s.want)
			ev := next(t, events)
			want := &watch.Files{Folder: dir, Paths: []string{s.want}}
			if !reflect.DeepEqual(ev.Files, want) {
				t.Errorf("%s: got %+v, want %+v", s.name, ev.Files, want)
			}
		}
	})
}

func TestNewRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  watch.Config
	}{
		{"empty upload folder", watch.Config{Uploads: []watch.Upload{{Dir: ""}}}},
		{"nested upload folders", watch.Config{Uploads: []watch.Upload{{Dir: dir}, {Dir: filepath.Join(dir, "sub")}}}},
		{"same upload folder twice", watch.Config{Uploads: []watch.Upload{{Dir: dir}, {Dir: dir + "/"}}}},
		{"negative settle", watch.Config{Settle: -time.Second}},
		{"empty mount root", watch.Config{MountRoots: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := watch.New(tt.cfg); err == nil {
				t.Error("got no error")
			}
		})
	}
}
