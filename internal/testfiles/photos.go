package testfiles

import (
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// WriteJPEGs writes n photographic-looking w×h JPEGs at quality 90: smooth
// light and colour gradients with sensor-like noise, which compress about
// as camera files do (7 MB at 24 MP).
func WriteJPEGs(tb testing.TB, dir string, n, w, h int) []string {
	tb.Helper()
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
			tb.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// CPUTime is the user and system time used so far by this process
// (syscall.RUSAGE_SELF) or by its finished children (RUSAGE_CHILDREN):
// benchmarks report it beside wall time because the machine is shared.
func CPUTime(tb testing.TB, who int) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(who, &u); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
