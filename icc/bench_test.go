package icc_test

import (
	"image"
	"math/rand/v2"
	"syscall"
	"testing"

	"mediabank/icc"
	"mediabank/internal/testfiles"
)

// BenchmarkApply is the cost of turning Adobe RGB pixels into sRGB, per
// megapixel (ms/MP): what a preview (1600 px, 1.9 MP) or a channel
// rendition pays once shrunk, and what converting before shrinking would
// pay for every megapixel of the original.
func BenchmarkApply(b *testing.B) {
	const w, h = 2000, 1000 // 2 MP
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	t := icc.ToSRGB(icc.AdobeRGB())
	b.SetBytes(int64(len(img.Pix)))
	cpu := testfiles.CPUTime(b, syscall.RUSAGE_SELF)
	for b.Loop() {
		t.Apply(img)
	}
	mp := float64(b.N) * w * h / 1e6
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/mp, "ms/MP")
	b.ReportMetric(float64((testfiles.CPUTime(b, syscall.RUSAGE_SELF)-cpu).Microseconds())/1e3/mp, "cpu-ms/MP")
}

// BenchmarkToSRGB is the cost of building a transform from a parsed
// profile (its tables), paid once per picture.
func BenchmarkToSRGB(b *testing.B) {
	p := icc.AdobeRGB()
	for b.Loop() {
		icc.ToSRGB(p)
	}
}
