package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// cli runs the command in-process, as a user would from a shell.
func cli(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestCLI is the first slice of the issue from the command line: ingest
// the shared camera files into the embedded default, search, delete the
// index, reindex, and get the same answers.
func TestCLI(t *testing.T) {
	root := testfiles.Dir(t)
	data := t.TempDir()
	env := map[string]string{"MEDIABANK_DATA": data}

	out, errOut, code := cli(t, env, "ingest", "--json", "--no-renditions", root)
	if code != 1 { // video/truncated.mp4 fails, and says so
		t.Fatalf("ingest exit = %d, want 1 (one broken file)\n%s\n%s", code, out, errOut)
	}
	var rep ingest.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("ingest --json printed %q: %v", out, err)
	}
	if rep.Ingested < 100 || rep.Failed != 1 || len(rep.Failures) != 1 || !strings.HasSuffix(rep.Failures[0].Path, "truncated.mp4") {
		t.Errorf("report = %+v, want 100+ ingested and truncated.mp4 failed", rep)
	}
	if !strings.Contains(errOut, "NOT safe to eject") {
		t.Errorf("stderr does not say the card is not safe while a file failed:\n%s", errOut)
	}
	if strings.Contains(out, "safe_to_eject_s") || rep.SafeToEjectS != nil {
		t.Errorf("the summary of a run with a failed file says when the card was safe:\n%s", out)
	}

	queries := [][]string{{"search", "--json", "type:video"}, {"search", "--json", "--facets", "camera:canon"}, {"search", "--json", "--sort", "name", "taken:>=2000-01-01"}}
	var before []string
	for _, q := range queries {
		out, errOut, code := cli(t, env, q...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", q, code, errOut)
		}
		before = append(before, out)
	}
	if !strings.Contains(before[0], "clip_720p_gps.mp4") {
		t.Errorf("type:video does not find clip_720p_gps.mp4: %s", before[0])
	}

	if err := os.RemoveAll(filepath.Join(data, "index")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, env, "reindex")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d assets and 0 collections indexed", rep.Ingested)) {
		t.Fatalf("reindex: exit %d, %q %q; want %d assets indexed", code, out, errOut, rep.Ingested)
	}
	for i, q := range queries {
		out, _, _ := cli(t, env, q...)
		if out != before[i] {
			t.Errorf("%v after reindex:\n got %s\nwant %s", q, out, before[i])
		}
	}

	out, _, code = cli(t, env, "ingest", "--json", root)
	var rep2 ingest.Report
	if err := json.Unmarshal([]byte(out), &rep2); err != nil || code != 1 {
		t.Fatalf("second ingest: exit %d, %q: %v", code, out, err)
	}
	if rep2.Ingested != 0 || rep2.Duplicates != rep.Ingested+rep.Duplicates {
		t.Errorf("second ingest: %d ingested, %d duplicates; want 0 and %d", rep2.Ingested, rep2.Duplicates, rep.Ingested+rep.Duplicates)
	}
}

func TestInspect(t *testing.T) {
	root := testfiles.Dir(t)
	out, _, code := cli(t, nil, "inspect", "--json", filepath.Join(root, "video"), filepath.Join(root, "photos/jpg/gps"))
	if code != 1 {
		t.Errorf("exit = %d, want 1 (truncated.mp4 cannot be read)", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	byName := map[string]map[string]any{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		byName[filepath.Base(m["path"].(string))] = m
	}
	clip := byName["clip_720p_gps.mp4"]
	if clip == nil || clip["kind"] != "video" || clip["width"] != 1280.0 || clip["duration"] == nil || clip["gps"] == nil || clip["sha256"] == nil {
		t.Errorf("clip_720p_gps.mp4 = %v; want kind, width 1280, duration, gps, sha256", clip)
	}
	if tr := byName["truncated.mp4"]; tr == nil || tr["error"] == nil {
		t.Errorf("truncated.mp4 = %v, want an error", tr)
	}
}

// TestKill9 kills real ingest processes in the middle of their work, then
// runs the ingest once more: the card must end up complete, with no
// duplicates and nothing half-written, on both backends. The kills are
// triggered by the progress of each run, not by the clock, so they land
// mid-run on a slow machine as on a fast one: while a large file is being
// staged, after the k-th record, once the index has written a batch, and
// after the k-th rendition.
func TestKill9(t *testing.T) {
	root := testfiles.Dir(t)
	bin := filepath.Join(t.TempDir(), "mediabank")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	card := makeCard(t, root)
	big := addLargeFile(t, card, root, 48<<20)
	want := distinctFiles(t, card)

	// Each backend gives the environment of bank i: a folder, or a
	// bucket of one MinIO.
	backends := map[string]func(t *testing.T) func(i int) []string{
		"disk": func(t *testing.T) func(int) []string { return func(int) []string { return nil } },
		"minio": func(t *testing.T) func(int) []string {
			m := storetest.StartMinIO(t)
			return func(i int) []string { return minioEnv(m, fmt.Sprintf("kill9-%d", i)) }
		},
	}
	for name, envOf := range backends {
		t.Run(name, func(t *testing.T) {
			envOf := envOf(t)
			// A run that ends before its trigger fires (a fast machine, or
			// a trigger late in the run) leaves the card all in the bank,
			// and the next trigger would find nothing left to do: so the
			// next run starts on a bank of its own. Every bank is
			// completed and checked at the end.
			type bank struct {
				data  string
				env   []string
				cfg   *config
				store assets.Store
			}
			var banks []*bank
			open := func() *bank {
				data := t.TempDir()
				// Small buffer limit, so the large file and some photos
				// take the staging path.
				env := append(os.Environ(), append(envOf(len(banks)), "MEDIABANK_DATA="+data, "MEDIABANK_MAX_BUFFERED=300000")...)
				cfg, _, err := loadConfig([]string{"--data", data}, envLookup(env))
				if err != nil {
					t.Fatal(err)
				}
				store, err := cfg.openStore(t.Context(), nil)
				if err != nil {
					t.Fatal(err)
				}
				b := &bank{data, env, cfg, store}
				banks = append(banks, b)
				return b
			}
			b := open()
			count := func(prefix string) int {
				n := 0
				if err := b.store.List(t.Context(), prefix, func(assets.Object) error { n++; return nil }); err != nil {
					t.Fatal(err)
				}
				return n
			}
			seed := rand.Uint64()
			t.Logf("seed %d", seed) // the k of each trigger, to replay a failure
			rng := rand.New(rand.NewPCG(seed, 2))
			// Each trigger is asked, many times a second, whether the run
			// has got far enough to be killed; base is the count when the
			// run started.
			type trigger struct {
				phase string
				ready func(pid, base int) bool
				base  func() int
			}
			records := func(k int) trigger {
				return trigger{fmt.Sprintf("after %d new records", k),
					func(_, base int) bool { return count(assets.RecordsPrefix) >= base+k },
					func() int { return count(assets.RecordsPrefix) }}
			}
			left, firstRenditions := len(want), 1+rng.IntN(4)
			triggers := []trigger{
				{fmt.Sprintf("staging the %d MiB file", big.size>>20), func(pid, _ int) bool {
					pos, open := readPosition(pid, big.path)
					return open && pos >= big.size/4
				}, func() int { return 0 }},
				records(1 + rng.IntN(left/6)),
				{"after an index batch", func(_, base int) bool { return indexFiles(b.data) > base }, func() int { return indexFiles(b.data) }},
				records(1 + rng.IntN(left/6)),
				{fmt.Sprintf("after %d renditions", firstRenditions), func(_, base int) bool { return count("renditions/") >= base+firstRenditions },
					func() int { return count("renditions/") }},
			}
			landed := 0
			for i, tr := range triggers {
				cmd := exec.Command(bin, "ingest", card)
				cmd.Env = b.env
				base := tr.base()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				tick := time.NewTicker(time.Millisecond)
				var err error
			watch:
				for {
					select {
					case err = <-exited:
						break watch
					case <-tick.C:
						if tr.ready(cmd.Process.Pid, base) {
							_ = cmd.Process.Signal(syscall.SIGKILL)
							err = <-exited
							break watch
						}
					}
				}
				tick.Stop()
				killed := false
				if ee, ok := err.(*exec.ExitError); ok {
					ws, _ := ee.Sys().(syscall.WaitStatus)
					killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
				}
				t.Logf("run %d on bank %d, kill %s: killed mid-run %v (%v); %d of %d records, %d renditions in the bank",
					i, len(banks)-1, tr.phase, killed, err, count(assets.RecordsPrefix), len(want), count("renditions/"))
				if killed {
					landed++
				} else if i < len(triggers)-1 {
					b = open()
				}
			}
			if landed < 3 {
				t.Errorf("%d kills landed in the middle of a run, want at least 3; the test proves too little", landed)
			}
			for i, b := range banks {
				cmd := exec.Command(bin, "ingest", "--json", card)
				cmd.Env = b.env
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("final run on bank %d: %v\n%s", i, err, out)
				}
				var rep ingest.Report
				if err := json.Unmarshal(out, &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Failed != 0 || rep.Ingested+rep.Duplicates != int64(countFiles(t, card)) {
					t.Errorf("final run on bank %d: %+v; want every file of the card in the bank", i, rep)
				}
				assertBank(t, b.cfg, b.store, want)
			}
		})
	}
}

// assertBank checks that the bank holds exactly the distinct files of a
// card, each original whole, and that search finds them all.
func assertBank(t *testing.T, cfg *config, store assets.Store, want map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	err := ingest.EachRecord(t.Context(), store, nil, func(a *assets.Asset) error {
		got[a.ID] = true
		rd, _, err := store.Get(t.Context(), a.Original)
		if err != nil {
			return err
		}
		defer rd.Close()
		h := sha256.New()
		io.Copy(h, rd)
		if hex.EncodeToString(h.Sum(nil)) != a.ID {
			t.Errorf("original %s is damaged", a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s missing from the bank", id)
		}
	}
	index, err := cfg.openIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer index.Close()
	if n, err := index.Count(context.Background()); err != nil || n != uint64(len(want)) {
		t.Errorf("index holds %d (%v), want %d", n, err, len(want))
	}
}

func minioEnv(m storetest.MinIO, bucket string) []string {
	return []string{"MEDIABANK_S3_ENDPOINT=" + m.Endpoint, "MEDIABANK_S3_ACCESS_KEY=" + m.AccessKey, "MEDIABANK_S3_SECRET_KEY=" + m.SecretKey, "MEDIABANK_S3_BUCKET=" + bucket}
}

// distinctFiles are the SHA-256 of a card's files.
func distinctFiles(t *testing.T, card string) map[string]bool {
	want := map[string]bool{}
	filepath.WalkDir(card, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			want[sha(t, p)] = true
		}
		return nil
	})
	return want
}

type largeFile struct {
	path string
	size int64
}

// addLargeFile puts a photo padded with random bytes (readers ignore bytes
// after the image) first in the card's walk order, so the first run
// stages it.
func addLargeFile(t *testing.T, card, root string, size int) largeFile {
	data, err := os.ReadFile(filepath.Join(root, "photos/jpg/gps/DSCN0010.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]byte, size-len(data))
	rand.NewChaCha8([32]byte{9}).Read(pad)
	p := filepath.Join(card, "DCIM", "090LARGE", "BIG_0001.JPG")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(data, pad...), 0o644); err != nil {
		t.Fatal(err)
	}
	return largeFile{p, int64(size)}
}

// readPosition tells whether process pid has the file p open, and how far
// it has read it (from /proc/PID/fdinfo).
func readPosition(pid int, p string) (int64, bool) {
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(fds, e.Name())); err != nil || target != p {
			continue
		}
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, e.Name()))
		if err != nil {
			return 0, false
		}
		for line := range strings.Lines(string(info)) {
			if v, ok := strings.CutPrefix(line, "pos:"); ok {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

// indexFiles counts the files of the search index: a batch written adds
// a segment.
func indexFiles(data string) int {
	n := 0
	filepath.WalkDir(filepath.Join(data, "index"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".zap") {
			n++
		}
		return nil
	})
	return n
}

// makeCard lays out a camera card from the shared camera files, with
// enough bytes that a kill lands mid-run.
func makeCard(t *testing.T, root string) string {
	card := t.TempDir()
	n := 0
	filepath.WalkDir(filepath.Join(root, "photos"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.Contains(p, "invalid") || strings.Contains(p, "corrupted") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Each photo three times, made distinct by bytes after the image
		// (readers ignore them), for a run long enough to be killed in.
		for copy := range 3 {
			dst := filepath.Join(card, "DCIM", fmt.Sprintf("%03dMEDIA", 100+n/50), fmt.Sprintf("IMG_%04d%s", n, filepath.Ext(p)))
			os.MkdirAll(filepath.Dir(dst), 0o755)
			if err := os.WriteFile(dst, append(data, byte(copy)), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
		return nil
	})
	return card
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func sha(t *testing.T, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return assets.Sum(data)
}

func envLookup(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, kv := range env {
			if strings.HasPrefix(kv, k+"=") {
				v = kv[len(k)+1:]
			}
		}
		return v
	}
}

// TestCollectionCLI scripts the start of a coverage: accounts, the
// collection, the order, and an ingest filed into it.
func TestCollectionCLI(t *testing.T) {
	root := testfiles.Dir(t)
	data := t.TempDir()
	t.Setenv("MEDIABANK_DATA", data)
	in := func(stdin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(t.Context(), args, strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, errOut, code := in("kata-sandi-kabid\n", "user", "add", "kabid", "--role", "head", "--name", "Kepala Bidang"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	if _, _, code := in("pendek\n", "user", "add", "budi", "--role", "staff"); code == 0 {
		t.Errorf("user add with a 6-character password succeeded")
	}
	out, errOut, code := in(`{"title":"Peninjauan banjir Ciledug","agency":"BPBD","place":"Ciledug","starts_at":"2026-08-17T09:00"}`, "collection", "create", "--as", "kabid")
	if code != 0 {
		t.Fatalf("collection create: %d %s", code, errOut)
	}
	var col struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := json.Unmarshal([]byte(out), &col); err != nil || col.State != "created" {
		t.Fatalf("created %q: %v", out, err)
	}
	if _, errOut, code := in(`{"action":"approve"}`, "collection", "act", col.ID, "--as", "kabid"); code == 0 || !strings.Contains(errOut, "cannot approve") {
		t.Errorf("approve a new collection: exit %d, %q; want refused with the reason", code, errOut)
	}
	out, errOut, code = in(`{"action":"order","note":"Liput peninjauan banjir"}`, "collection", "act", col.ID, "--as", "kabid")
	if code != 0 || !strings.Contains(out, `"state": "ordered"`) {
		t.Fatalf("order: %d %s %s", code, out, errOut)
	}
	out, errOut, code = in("", "ingest", "--json", "--no-renditions", "--collection", col.ID, filepath.Join(root, "photos/jpg/gps"))
	if code != 0 {
		t.Fatalf("ingest --collection: %d %s", code, errOut)
	}
	var rep ingest.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Ingested == 0 {
		t.Fatalf("ingest: %q %v", out, err)
	}
	out, _, _ = in("", "collection", "get", col.ID)
	var got struct {
		Material []string `json:"material"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || int64(len(got.Material)) != rep.Ingested {
		t.Errorf("material = %v (%v), want the %d ingested assets", got.Material, err, rep.Ingested)
	}
	if _, errOut, code := in("", "ingest", "--collection", "lip-20990101-000000", filepath.Join(root, "photos/jpg/gps")); code == 0 || !strings.Contains(errOut, "lip-20990101-000000") {
		t.Errorf("ingest into a missing collection: exit %d %q, want an error naming it", code, errOut)
	}
}

// TestMain runs the tests with gin in release mode, as main sets it (run,
// which the tests call, leaves gin's process-wide mode alone).
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}
