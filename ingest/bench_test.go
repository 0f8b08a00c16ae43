package ingest_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"mediabank/assets/s3store"
	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/metadata"
	"mediabank/renditions"
)

// BenchmarkCard measures, on a realistic card, the time until the card is
// safe to eject against a plain copy of the same files into the same
// store, and the time of the renditions against vipsthumbnail:
//
//	go test -run='^$' -bench=Card -benchtime=1x ./ingest/
//
// By default the card is read from the page cache, the worst case for the
// ingest (all CPU, no waiting on the card). scripts/bench-card-speed.sh
// runs it on a card read at a card reader's speed instead: it sets
// MEDIABANK_BENCH_CARD to a throttled mount of the card and
// MEDIABANK_BENCH_COLD=1, which drops the page cache (as root) before each
// side reads the card.
func BenchmarkCard(b *testing.B) {
	card := os.Getenv("MEDIABANK_BENCH_CARD")
	if card == "" {
		card = benchCard(b)
	}
	files := cardFiles(b, card)
	cold := os.Getenv("MEDIABANK_BENCH_COLD") == "1"
	// Both sides read the card alike: from the page cache, warmed here,
	// or from the card itself, the cache dropped before each.
	ready := func() {
		if cold {
			dropCaches(b)
			return
		}
		for _, f := range files {
			os.ReadFile(f)
		}
	}

	b.Run("disk", func(b *testing.B) {
		for b.Loop() {
			dst := b.TempDir()
			ready()
			start := time.Now()
			if out, err := exec.Command("cp", "-r", card, filepath.Join(dst, "copy")).CombinedOutput(); err != nil {
				b.Fatalf("cp: %v %s", err, out)
			}
			if out, err := exec.Command("sync").CombinedOutput(); err != nil {
				b.Fatalf("sync: %v %s", err, out)
			}
			plain := time.Since(start)
			bk := backends()["disk"](b)
			ready()
			report(b, bk, card, plain)
		}
	})
	b.Run("minio", func(b *testing.B) {
		for b.Loop() {
			m := storetest.StartMinIO(b)
			ready()
			plain := plainPut(b, m, files)
			s, err := s3store.Open(b.Context(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "bank"})
			if err != nil {
				b.Fatal(err)
			}
			bk := openBank(b, s, b.TempDir())
			ready()
			report(b, bk, card, plain)
		}
	})
}

func report(b *testing.B, bk *bank, card string, plain time.Duration) {
	var safe, safeCPU time.Duration
	start := time.Now()
	rep, err := bk.ingester(ingest.Options{Renditions: true}).Run(context.Background(), []string{card}, ingest.RunOptions{SafeToEject: func(ingest.Report) {
		safe, safeCPU = time.Since(start), cpuTime(b, syscall.RUSAGE_SELF)
	}})
	if err != nil || rep.Failed > 0 {
		b.Fatalf("ingest: %v %+v", err, rep.Failures)
	}
	total := time.Since(start)
	// Renditions run after the card is safe, so the process's CPU time
	// from then on is theirs (and the index's last batch).
	rendCPU := cpuTime(b, syscall.RUSAGE_SELF) - safeCPU
	b.ReportMetric(plain.Seconds(), "plain_copy_s")
	b.ReportMetric(safe.Seconds(), "safe_to_eject_s")
	b.ReportMetric(safe.Seconds()/plain.Seconds(), "safe/plain")
	rend := total - safe
	b.ReportMetric(rend.Seconds(), "renditions_s")
	b.ReportMetric(rendCPU.Seconds(), "renditions_cpu_s")
	if _, err := exec.LookPath("vipsthumbnail"); err != nil {
		b.Log("vipsthumbnail is not installed: no comparison")
		return
	}
	var jpegs []string
	for _, f := range cardFiles(b, card) {
		if strings.HasSuffix(f, ".JPG") {
			jpegs = append(jpegs, f)
		}
	}
	// vipsthumbnail runs one file at a time, so its CPU time is the fair
	// yardstick for renditions made on every core.
	vipsCPU := cpuTime(b, syscall.RUSAGE_CHILDREN)
	vt, err := renditions.VipsThumbnailTime(context.Background(), jpegs, []int{320, 1600})
	if err != nil {
		b.Fatal(err)
	}
	vipsCPU = cpuTime(b, syscall.RUSAGE_CHILDREN) - vipsCPU
	b.ReportMetric(vt.Seconds(), "vips_s")
	b.ReportMetric(vipsCPU.Seconds(), "vips_cpu_s")
	b.ReportMetric(rendCPU.Seconds()/vipsCPU.Seconds(), "renditions/vips_cpu")
}

// cpuTime is the user and system time used so far by this process, or by
// its finished children.
func cpuTime(b *testing.B, who int) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(who, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// dropCaches writes dirty pages out and empties the page cache, so that
// the next read of the card comes from the card.
func dropCaches(b *testing.B) {
	if out, err := exec.Command("sync").CombinedOutput(); err != nil {
		b.Fatalf("sync: %v %s", err, out)
	}
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		b.Fatalf("MEDIABANK_BENCH_COLD=1 needs root to drop the page cache: %v", err)
	}
}

// plainPut copies the files into a bucket with minio-go and nothing else,
// with as many uploads at once as the ingest has workers.
func plainPut(b testing.TB, m storetest.MinIO, files []string) time.Duration {
	cl, err := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := cl.MakeBucket(ctx, "plain", minio.MakeBucketOptions{}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	todo := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for f := range todo {
				if _, err := cl.FPutObject(ctx, "plain", filepath.Base(f), f, minio.PutObjectOptions{}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, f := range files {
		todo <- f
	}
	close(todo)
	wg.Wait()
	return time.Since(start)
}

func cardFiles(b testing.TB, card string) []string {
	var out []string
	filepath.WalkDir(card, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// BenchmarkLargePhotos ingests eight 50-megapixel JPEGs (8688×5792) with
// renditions, the decodes bounded by one budget as in serve, and prints
// the process's peak resident memory until the card is safe to eject and
// while the renditions are made, and the most the budget held:
//
//	go test -run='^$' -bench=LargePhotos -benchtime=1x ./ingest/
//
// The target is 512 MiB on two cores.
func BenchmarkLargePhotos(b *testing.B) {
	card := largeCard(b)
	for name, open := range backends() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				bk := open(b)
				decodes := renditions.NewBudget(renditions.DefaultDecodeBudget, runtime.GOMAXPROCS(0))
				in := ingest.New(bk.store, bk.index, &metadata.Extractor{}, &renditions.Maker{Budget: decodes}, ingest.Options{Renditions: true})
				resetPeakRSS(b)
				var safeRSS int64
				start := time.Now()
				rep, err := in.Run(context.Background(), []string{card}, ingest.RunOptions{SafeToEject: func(ingest.Report) {
					safeRSS = peakRSS(b)
					if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
						b.Error(err)
					}
				}})
				if err != nil || rep.Failed > 0 || rep.RenditionErrs > 0 {
					b.Fatalf("ingest: %v %+v", err, rep)
				}
				rendRSS := peakRSS(b)
				b.ReportMetric(time.Since(start).Seconds(), "ingest_s")
				b.ReportMetric(float64(safeRSS)/(1<<20), "rss_to_safe_MiB")
				b.ReportMetric(float64(rendRSS)/(1<<20), "rss_renditions_MiB")
				b.ReportMetric(float64(max(safeRSS, rendRSS))/(1<<20), "peak_rss_MiB")
				b.ReportMetric(float64(decodes.Usage().Peak)/(1<<20), "decode_budget_peak_MiB")
			}
		})
	}
}

// largeCard builds, once, a card of eight 50-megapixel JPEGs in the temp
// folder, each of its own scene and capture time.
func largeCard(tb testing.TB) string {
	tb.Helper()
	return cachedCard(tb, "mediabank-bench50mp-v1", func(dir string) {
		photos := filepath.Join(dir, "DCIM", "100NIKON")
		if err := os.MkdirAll(photos, 0o755); err != nil {
			tb.Fatal(err)
		}
		for i := range 8 {
			data, err := cameraJPEG(8688, 5792, uint64(i), time.Date(2026, 8, 17, 10, 0, i, 0, time.UTC))
			if err == nil {
				err = os.WriteFile(filepath.Join(photos, fmt.Sprintf("DSC_%04d.JPG", i+1)), data, 0o644)
			}
			if err != nil {
				tb.Fatal(err)
			}
		}
	})
}

// resetPeakRSS hands the garbage of earlier work back to the system and
// starts the kernel's count of the peak resident set (VmHWM) afresh.
func resetPeakRSS(tb testing.TB) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Fatalf("reset the peak RSS: %v", err)
	}
}

// peakRSS is the peak resident set of this process since resetPeakRSS.
func peakRSS(tb testing.TB) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}
