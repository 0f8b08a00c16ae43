package renditions

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"mediabank/internal/testfiles"
)

// BenchmarkCard makes all renditions for a card of eight 24-megapixel
// JPEGs, and compares with vipsthumbnail making the same two sizes of the
// same files when it is installed:
//
//	go test -run '^$' -bench BenchmarkCard -benchtime 2x ./renditions/
func BenchmarkCard(b *testing.B) {
	files := testfiles.WriteJPEGs(b, b.TempDir(), 8, 6000, 4000)
	m := &Maker{}
	cpu := testfiles.CPUTime(b, syscall.RUSAGE_SELF)
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
	wall, cpu := b.Elapsed()/count, (testfiles.CPUTime(b, syscall.RUSAGE_SELF)-cpu)/count
	b.ReportMetric(ms(wall), "ms/file")
	b.ReportMetric(ms(cpu), "cpu-ms/file")
	if _, err := exec.LookPath("vipsthumbnail"); err != nil {
		b.Log("vipsthumbnail is not installed: no comparison")
		return
	}
	vipsCPU := testfiles.CPUTime(b, syscall.RUSAGE_CHILDREN)
	vips, err := VipsThumbnailTime(context.Background(), files, []int{PreviewEdge, ThumbnailEdge})
	if err != nil {
		b.Fatal(err)
	}
	vipsCPU = (testfiles.CPUTime(b, syscall.RUSAGE_CHILDREN) - vipsCPU) / time.Duration(len(files))
	vips /= time.Duration(len(files))
	b.ReportMetric(ms(vips), "vips-ms/file")
	b.ReportMetric(ms(vipsCPU), "vips-cpu-ms/file")
	b.ReportMetric(float64(wall)/float64(vips), "x-vips")
	b.ReportMetric(float64(cpu)/float64(vipsCPU), "x-vips-cpu")
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
