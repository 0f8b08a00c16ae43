package renditions

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// VipsThumbnailTime is how long libvips' vipsthumbnail takes to make one
// JPEG per edge of each file, one run per file and edge as a person would
// run it: the yardstick that benchmarks compare Make with.
func VipsThumbnailTime(ctx context.Context, files []string, edges []int) (time.Duration, error) {
	sizes := make([]string, len(edges))
	for i, e := range edges {
		sizes[i] = strconv.Itoa(e)
	}
	return VipsThumbnailSizes(ctx, files, sizes)
}

// VipsThumbnailSizes is VipsThumbnailTime for vipsthumbnail's own --size
// values ("1080x1350"), each followed by extra arguments (for a crop,
// "--smartcrop", "centre").
func VipsThumbnailSizes(ctx context.Context, files, sizes []string, extra ...string) (time.Duration, error) {
	bin, err := exec.LookPath("vipsthumbnail")
	if err != nil {
		return 0, fmt.Errorf("vipsthumbnail: not found (apt-get install libvips-tools): %w", err)
	}
	dir, err := os.MkdirTemp("", "mediabank-vips-*")
	if err != nil {
		return 0, fmt.Errorf("vipsthumbnail: %w", err)
	}
	defer os.RemoveAll(dir)
	var total time.Duration
	for _, f := range files {
		abs, err := filepath.Abs(f) // never read as an option
		if err != nil {
			return 0, fmt.Errorf("vipsthumbnail %s: %w", f, err)
		}
		for _, size := range sizes {
			out := filepath.Join(dir, "%s_"+size+".jpg[Q=82]")
			args := append([]string{abs, "--size", size, "-o", out}, extra...)
			cmd := exec.CommandContext(ctx, bin, args...)
			start := time.Now()
			b, err := cmd.CombinedOutput()
			total += time.Since(start)
			if err != nil {
				return 0, fmt.Errorf("vipsthumbnail %s: %w: %s", f, err, b)
			}
		}
	}
	return total, nil
}
