package channels

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/tempstore"
	"mediabank/internal/testfiles"
	"mediabank/renditions"
)

// BenchmarkExport makes the channel pictures of 20 picks of 24 MP for one
// channel, and compares with vipsthumbnail making the same sizes of the
// same files (a centre crop for cropped channels):
//
//	go test -run '^$' -bench BenchmarkExport -benchtime 1x ./channels/
func BenchmarkExport(b *testing.B) {
	const picks = 20
	files := testfiles.WriteJPEGs(b, b.TempDir(), picks, 6000, 4000)
	s := tempstore.New(b)
	var list []*assets.Asset
	for _, f := range files {
		list = append(list, addOriginal(b, s, "IMG.JPG", testfiles.ReadFile(b, f), assets.Metadata{Kind: assets.KindPhoto, Width: 6000, Height: 4000}))
	}
	r := &Renderer{Store: s, Presets: DefaultPresets()}
	for _, bench := range []struct {
		channel string
		vips    []string // vipsthumbnail's arguments for the same size
	}{
		{"instagram_feed", []string{"1080x1350", "--smartcrop", "centre"}},
		{"web", []string{"1920"}},
	} {
		b.Run(bench.channel, func(b *testing.B) {
			cpu := testfiles.CPUTime(b, syscall.RUSAGE_SELF)
			for b.Loop() {
				for _, a := range list {
					if _, err := r.Render(context.Background(), a, bench.channel); err != nil {
						b.Fatal(err)
					}
				}
			}
			// CPU time beside wall time: the machine is shared, and others'
			// load stretches wall time but not the work done.
			count := time.Duration(b.N * picks)
			wall, cpu := b.Elapsed()/count, (testfiles.CPUTime(b, syscall.RUSAGE_SELF)-cpu)/count
			b.ReportMetric(ms(wall), "ms/pick")
			b.ReportMetric(ms(cpu), "cpu-ms/pick")
			if _, err := exec.LookPath("vipsthumbnail"); err != nil {
				testfiles.Missing(b, "vipsthumbnail (apt-get install libvips-tools)")
			}
			vipsCPU := testfiles.CPUTime(b, syscall.RUSAGE_CHILDREN)
			vips, err := renditions.VipsThumbnailSizes(context.Background(), files, bench.vips[:1], bench.vips[1:]...)
			if err != nil {
				b.Fatal(err)
			}
			vipsCPU = (testfiles.CPUTime(b, syscall.RUSAGE_CHILDREN) - vipsCPU) / picks
			vips /= picks
			b.ReportMetric(ms(vips), "vips-ms/pick")
			b.ReportMetric(ms(vipsCPU), "vips-cpu-ms/pick")
			b.ReportMetric(float64(wall)/float64(vips), "x-vips")
			b.ReportMetric(float64(cpu)/float64(vipsCPU), "x-vips-cpu")
			b.Logf("%s: %d picks of 24 MP in %.0f ms each (%.0f ms CPU); vipsthumbnail %.0f ms each (%.0f ms CPU)",
				bench.channel, picks, ms(wall), ms(cpu), ms(vips), ms(vipsCPU))
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
