package watch

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestSettled checks the settle rules at given times, without a running
// watcher: what the end-to-end tests may or may not catch, depending on
// when the settle check's timer fires, is decided here.
func TestSettled(t *testing.T) {
	const settle = 300 * time.Millisecond
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	type seen struct {
		name    string        // below the folder
		changed time.Duration // when the watcher saw it as it is
		after   string        // what happens to it after: "", "grows" or "gone"
	}
	tests := []struct {
		name         string
		perSubfolder bool
		files        []seen
		now          time.Duration
		want         map[string][]string // names by batch folder
	}{
		{"settled", false, []seen{{"a.jpg", 0, ""}}, ms(300), map[string][]string{".": {"a.jpg"}}},
		{"not yet", false, []seen{{"a.jpg", 0, ""}}, ms(299), map[string][]string{}},
		{"a burst is held while files keep coming", false,
			[]seen{{"a.nef", 0, ""}, {"b.nef", ms(200), ""}, {"c.nef", ms(380), ""}}, ms(400), map[string][]string{}},
		{"a burst goes together", false,
			[]seen{{"a.nef", 0, ""}, {"b.nef", ms(200), ""}, {"c.nef", ms(380), ""}}, ms(680), map[string][]string{".": {"a.nef", "b.nef", "c.nef"}}},
		{"a steady stream flows after twice the settle period", false,
			[]seen{{"photo.jpg", 0, ""}, {"video.mp4", ms(560), ""}}, ms(600), map[string][]string{".": {"photo.jpg"}}},
		{"grown since last seen", false, []seen{{"video.mp4", 0, "grows"}}, ms(1000), map[string][]string{}},
		{"gone", false, []seen{{"a.jpg", 0, "gone"}, {"b.jpg", 0, ""}}, ms(300), map[string][]string{".": {"b.jpg"}}},
		{"each sub-folder is a batch of its own", true,
			[]seen{{"x/a.jpg", 0, ""}, {"y/b.jpg", ms(250), ""}}, ms(300), map[string][]string{"x": {"a.jpg"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			f := newFolder(Upload{Dir: dir, PerSubfolder: tt.perSubfolder}, nil)
			start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			for _, s := range tt.files {
				p := filepath.Join(dir, s.name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("media"), 0o644); err != nil {
					t.Fatal(err)
				}
				info, err := os.Lstat(p)
				if err != nil {
					t.Fatal(err)
				}
				f.observe(p, info, start.Add(s.changed))
				switch s.after {
				case "grows":
					if err := os.WriteFile(p, []byte("media, more of it"), 0o644); err != nil {
						t.Fatal(err)
					}
				case "gone":
					if err := os.Remove(p); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := map[string][]string{}
			for _, b := range f.settled(start.Add(tt.now), settle) {
				folder, err := filepath.Rel(dir, b.Folder)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range b.Paths {
					name, err := filepath.Rel(b.Folder, p)
					if err != nil {
						t.Fatal(err)
					}
					got[folder] = append(got[folder], name)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			// A file seen growing waits a settle period from now; one gone
			// is forgotten.
			for _, s := range tt.files {
				e, ok := f.files[filepath.Join(dir, s.name)]
				switch {
				case s.after == "grows" && (!ok || !e.changed.Equal(start.Add(tt.now))):
					t.Errorf("%s: grown, but not seen as changed at %v", s.name, tt.now)
				case s.after == "gone" && ok:
					t.Errorf("%s: gone, but not forgotten", s.name)
				}
			}
		})
	}
}
