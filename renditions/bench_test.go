package renditions

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCard makes all renditions for a card of eight 24-megapixel
// JPEGs, and compares with vipsthumbnail making the same two sizes of the
// same files when it is installed:
//
//	go test -run '^$' -bench BenchmarkCard -benchtime 2x ./renditions/
func BenchmarkCard(b *testing.B) {
	files := writeCard(b, b.TempDir(), 8, 6000, 4000)
	m := &Maker{}
	cpu := cpuTime(b, syscall.RUSAGE_SELF)
	for b.Loop() {
		for _, f := range files {
			if _, err := makeFile(b, m, f, 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	// CPU time is reported beside wall time because the machine is shared:
	// others' load stretches wall time but not the work done.
	count := time.Duration(b.N * len(files))
	wall, cpu := b.Elapsed()/count, (cpuTime(b, syscall.RUSAGE_SELF)-cpu)/count
	b.ReportMetric(ms(wall), "ms/file")
	b.ReportMetric(ms(cpu), "cpu-ms/file")
	if _, err := exec.LookPath("vipsthumbnail"); err != nil {
		b.Log("vipsthumbnail is not installed: no comparison")
		return
	}
	vipsCPU := cpuTime(b, syscall.RUSAGE_CHILDREN)
	vips, err := VipsThumbnailTime(context.Background(), files, []int{PreviewEdge, ThumbnailEdge})
	if err != nil {
		b.Fatal(err)
	}
	vipsCPU = (cpuTime(b, syscall.RUSAGE_CHILDREN) - vipsCPU) / time.Duration(len(files))
	vips /= time.Duration(len(files))
	b.ReportMetric(ms(vips), "vips-ms/file")
	b.ReportMetric(ms(vipsCPU), "vips-cpu-ms/file")
	b.ReportMetric(float64(wall)/float64(vips), "x-vips")
	b.ReportMetric(float64(cpu)/float64(vipsCPU), "x-vips-cpu")
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// cpuTime is the user and system time used so far by this process, or
// by its finished children.
func cpuTime(b *testing.B, who int) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(who, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// writeCard writes n photographic-looking w×h JPEGs at quality 90: smooth
// light and colour gradients with sensor-like noise, which compress about
// as camera files do (7 MB at 24 MP).
func writeCard(b *testing.B, dir string, n, w, h int) []string {
	b.Helper()
	var files []string
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		fx, fy := 1+rng.Float64()*4, 1+rng.Float64()*3
		for y := range h {
			for x := range w {
				l := 110 + 70*math.Sin(fx*float64(x)/float64(w)*math.Pi)*math.Cos(fy*float64(y)/float64(h)*math.Pi)
				img.Y[y*img.YStride+x] = uint8(max(0, min(255, l+rng.NormFloat64()*8)))
			}
		}
		for y := range h / 2 {
			for x := range w / 2 {
				img.Cb[y*img.CStride+x] = uint8(108 + 40*x/w + rng.IntN(5))
				img.Cr[y*img.CStride+x] = uint8(150 - 40*y/h + rng.IntN(5))
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("IMG_%04d.JPG", i))
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}
