package testfiles

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// VipsSRGB is img, in the colour space of the ICC profile given, turned
// into sRGB by libvips (`vips icc_transform IN.ppm OUT.ppm srgb
// --input-profile P.icc`: lcms, relative colorimetric), the reference
// for colour conversion. It converts the decoded pixels themselves, so
// that the comparison is of the conversions alone: decoders differ by
// about 2 code values of blue on their own (chroma upsampling of JPEG).
func VipsSRGB(tb testing.TB, img *image.NRGBA, profile []byte) *image.NRGBA {
	tb.Helper()
	bin, err := exec.LookPath("vips")
	if err != nil {
		Missing(tb, "vips (apt-get install libvips-tools)")
	}
	dir := tb.TempDir()
	in, out, prof := filepath.Join(dir, "in.ppm"), filepath.Join(dir, "srgb.ppm"), filepath.Join(dir, "in.icc")
	if err := os.WriteFile(in, ppm(img), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(prof, profile, 0o644); err != nil {
		tb.Fatal(err)
	}
	args := []string{"icc_transform", in, out, "srgb", "--input-profile", prof}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		tb.Fatalf("vips %v: %v: %s", args, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	got, err := readPPM(bufio.NewReader(f))
	if err != nil {
		tb.Fatalf("vips output %s: %v", out, err)
	}
	return got
}

// ppm is img as a binary 8-bit PPM, alpha dropped.
func ppm(img *image.NRGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	b := fmt.Appendf(nil, "P6\n%d %d\n255\n", w, h)
	for y := range h {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		for x := range w {
			b = append(b, row[4*x:4*x+3]...)
		}
	}
	return b
}

// readPPM reads a binary 8-bit PPM (P6), as vips writes it (with a
// comment line after the magic).
func readPPM(r *bufio.Reader) (*image.NRGBA, error) {
	var fields []int
	for len(fields) < 3 {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == "P6\n" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.Fields(line) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("PPM header %q: %w", line, err)
			}
			fields = append(fields, n)
		}
	}
	w, h, maxv := fields[0], fields[1], fields[2]
	if maxv != 255 || w <= 0 || h <= 0 || w*h > 1<<28 {
		return nil, fmt.Errorf("PPM %dx%d of %d levels", w, h, maxv)
	}
	rgb := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, rgb); err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(img.Pix[4*i:], rgb[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img, nil
}

// MeanAbsDiff is the mean absolute difference of a and b per channel (R,
// G, B), in code values; b is compared by the pixel with a's bounds, which
// must have b's size.
func MeanAbsDiff(tb testing.TB, a, b *image.NRGBA) [3]float64 {
	tb.Helper()
	if a.Rect.Size() != b.Rect.Size() {
		tb.Fatalf("compared pictures are %v and %v", a.Rect.Size(), b.Rect.Size())
	}
	var sum [3]int64
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := range h {
		pa := a.Pix[a.PixOffset(a.Rect.Min.X, a.Rect.Min.Y+y):]
		pb := b.Pix[b.PixOffset(b.Rect.Min.X, b.Rect.Min.Y+y):]
		for x := range w {
			for c := range 3 {
				d := int64(pa[4*x+c]) - int64(pb[4*x+c])
				sum[c] += max(d, -d)
			}
		}
	}
	var m [3]float64
	for c := range 3 {
		m[c] = float64(sum[c]) / float64(w*h)
	}
	return m
}
