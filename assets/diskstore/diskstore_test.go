package diskstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) assets.Store {
		s, err := Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestInvalidKeys(t *testing.T) {
	root := t.TempDir()
	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want bool // valid
	}{
		{"originals/sha256/ab/abcdef", true},
		{"a.b/..c/d..", true},
		{"", false},
		{"/etc/passwd", false},
		{"..", false},
		{"a/../../escape", false},
		{"a/./b", false},
		{"a//b", false},
		{"a/", false},
		{`a\b`, false},
		{"a\x00b", false},
		{".tmp", false},
		{".tmp.lock", false},
		{"x/.tmpfoo/y", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			err := ValidKey(tc.key)
			if got := err == nil; got != tc.want {
				t.Fatalf("ValidKey(%q) = %v, want valid %v", tc.key, err, tc.want)
			}
			if tc.want {
				return
			}
			if _, err := s.Put(t.Context(), tc.key, strings.NewReader("x"), 1, assets.PutOptions{}); err == nil {
				t.Errorf("Put(%q) succeeded", tc.key)
			}
			if _, err := s.Stat(t.Context(), tc.key); err == nil || errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Stat(%q) = %v, want a key error", tc.key, err)
			}
			if err := s.Delete(t.Context(), tc.key); err == nil {
				t.Errorf("Delete(%q) succeeded", tc.key)
			}
			if _, err := s.Copy(t.Context(), "src", tc.key); err == nil {
				t.Errorf("Copy to %q succeeded", tc.key)
			}
		})
	}
	// Nothing was written outside the root, nor inside it.
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".tmp") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files written for invalid keys: %q", files)
	}
}

// TestStaleTempRemovedAtOpen: a writer killed mid-write leaves a temp file
// and no object; the next Open removes it, but never a live writer's.
func TestStaleTempRemovedAtOpen(t *testing.T) {
	root := t.TempDir()
	if _, err := Open(t.Context(), root); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, tmpDir, "put-123")
	if err := os.WriteFile(stale, []byte("half an original"), 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := os.Create(filepath.Join(root, tmpDir, "put-456"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := syscall.Flock(int(live.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool // still there
	}{
		{stale, false},
		{live.Name(), true},
	}
	for _, tc := range tests {
		_, err := os.Stat(tc.path)
		if got := err == nil; got != tc.want {
			t.Errorf("%s exists = %v (%v), want %v", filepath.Base(tc.path), got, err, tc.want)
		}
	}
	var keys []string
	if err := s.List(t.Context(), "", func(o assets.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("List shows %q, want no objects", keys)
	}
}

// TestDeletePrunesDirs: deleting the last object of a folder removes the
// folder, so the tree does not fill with empty directories.
func TestDeletePrunesDirs(t *testing.T) {
	root := t.TempDir()
	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/b/c/one", "a/two"} {
		if _, err := s.Put(t.Context(), k, strings.NewReader("x"), 1, assets.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context(), "a/b/c/one"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir  string
		want bool
	}{
		{"a/b/c", false},
		{"a/b", false},
		{"a", true},
	}
	for _, tc := range tests {
		_, err := os.Stat(filepath.Join(root, tc.dir))
		if got := err == nil; got != tc.want {
			t.Errorf("%s exists = %v, want %v", tc.dir, got, tc.want)
		}
	}
}

// The tests below run this test binary as separate processes sharing one
// folder, as the CLI ingest and the server do.
const (
	childEnv  = "DISKSTORE_TEST_CHILD"
	rootEnv   = "DISKSTORE_TEST_ROOT"
	raceKeys  = 40
	raceProcs = 4
)

func child(t *testing.T, role, root string, id int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+role, rootEnv+"="+root, fmt.Sprintf("DISKSTORE_TEST_ID=%d", id))
	cmd.Stderr = os.Stderr
	return cmd
}

// TestMain turns the test binary into a child when the environment says so.
func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		if err := runChild(role, os.Getenv(rootEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(role, root string) error {
	ctx := context.Background()
	s, err := Open(ctx, root)
	if err != nil {
		return err
	}
	switch role {
	case "create":
		// Wait for the parent's go so all processes race together.
		for {
			if _, err := os.Stat(filepath.Join(root, "go")); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for k := range raceKeys {
					key := fmt.Sprintf("race/%02d", k)
					data := fmt.Sprintf("proc %s goroutine %d", os.Getenv("DISKSTORE_TEST_ID"), g)
					_, err := s.Put(ctx, key, strings.NewReader(data), int64(len(data)), assets.PutOptions{IfNoneMatch: true})
					mu.Lock()
					switch {
					case err == nil:
						fmt.Printf("won %s %s\n", key, data)
					case errors.Is(err, assets.ErrPrecondition):
					default:
						fmt.Printf("error %s %v\n", key, err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return nil
	case "stall":
		// Write 1 MiB of an original, say so, then hang until killed.
		r := io.MultiReader(bytes.NewReader(make([]byte, 1<<20)), stallReader{})
		_, err := s.Put(ctx, "originals/stalled", r, 2<<20, assets.PutOptions{})
		return err
	}
	return fmt.Errorf("unknown child role %q", role)
}

// stallReader announces that the first chunk is written, then blocks.
type stallReader struct{}

func (stallReader) Read([]byte) (int, error) {
	fmt.Println("stalled")
	select {}
}

func TestConditionalCreateAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := t.TempDir()
	if _, err := Open(t.Context(), root); err != nil {
		t.Fatal(err)
	}
	outs := make([]*bytes.Buffer, raceProcs)
	cmds := make([]*exec.Cmd, raceProcs)
	for i := range raceProcs {
		outs[i] = new(bytes.Buffer)
		cmds[i] = child(t, "create", root, i)
		cmds[i].Stdout = outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	winners := map[string][]string{} // key -> data of each winner
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
		for line := range strings.Lines(outs[i].String()) {
			f := strings.SplitN(strings.TrimSpace(line), " ", 3)
			switch f[0] {
			case "won":
				winners[f[1]] = append(winners[f[1]], f[2])
			case "error":
				t.Errorf("child %d: %s", i, line)
			}
		}
	}
	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	for k := range raceKeys {
		key := fmt.Sprintf("race/%02d", k)
		got := winners[key]
		if len(got) != 1 {
			t.Errorf("%s: %d winners %q, want 1", key, len(got), got)
			continue
		}
		r, _, err := s.Get(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != got[0] {
			t.Errorf("%s holds %q, want the winner's %q", key, b, got[0])
		}
	}
}

// TestKilledWriter: kill -9 during a write leaves no object, and the next
// Open removes the temp file.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	root := t.TempDir()
	cmd := child(t, "stall", root, 0)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "stalled\n" {
		cmd.Process.Kill()
		t.Fatalf("child said %q, %v", line, err)
	}
	cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
	cmd.Wait()

	temps, err := os.ReadDir(filepath.Join(root, tmpDir))
	if err != nil || len(temps) != 1 {
		t.Fatalf("temp files after kill: %v %v, want 1", temps, err)
	}
	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "originals/stalled"); !errors.Is(err, assets.ErrNotFound) {
		t.Errorf("Stat of the killed write: %v, want ErrNotFound", err)
	}
	if temps, _ := os.ReadDir(filepath.Join(root, tmpDir)); len(temps) != 0 {
		t.Errorf("temp files after Open: %v, want none", temps)
	}
}

// FuzzValidKey: a key that passes stays inside the root, is already in
// clean form, and can never name a temp file or the lock.
func FuzzValidKey(f *testing.F) {
	for _, k := range []string{"a/b", "../x", "a/.tmp/b", "/abs", "a\\b", "a//b", "originals/sha256/ab/cd", ".tmp.lock", "a/..b/c.."} {
		f.Add(k)
	}
	root := filepath.FromSlash("/srv/bank")
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			return
		}
		p := filepath.Join(root, filepath.FromSlash(key))
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.ToSlash(rel) != key {
			t.Errorf("key %q maps to %q (rel %q, %v)", key, p, rel, err)
		}
		for seg := range strings.SplitSeq(key, "/") {
			if strings.HasPrefix(seg, ".tmp") {
				t.Errorf("key %q has reserved segment %q", key, seg)
			}
		}
	})
}

// TestETagHidesInode: an ETag goes to every client; it must not tell the
// file's inode number on the server's disk (issue 10 #15).
func TestETagHidesInode(t *testing.T) {
	root := t.TempDir()
	s, err := Open(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Put(t.Context(), "assets/a.json", strings.NewReader(`{"a":1}`), 7, assets.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.path("assets/a.json"))
	if err != nil {
		t.Fatal(err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	for _, form := range []string{fmt.Sprintf("%x", ino), fmt.Sprint(ino)} {
		if strings.Contains(obj.ETag, form) {
			t.Errorf("ETag %q holds the inode %d (%s)", obj.ETag, ino, form)
		}
	}
	st, err := s.Stat(t.Context(), "assets/a.json")
	if err != nil || st.ETag != obj.ETag {
		t.Errorf("Stat ETag %q (%v), want the Put's %q", st.ETag, err, obj.ETag)
	}
}
