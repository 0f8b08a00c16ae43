package ingest

import (
	"fmt"
	"strings"
	"time"
)

// Bar draws a one-line progress bar of width cells for a terminal: files,
// bytes, rate and the time left.
func Bar(p Progress, width int) string {
	frac := 0.0
	if p.BytesTotal > 0 {
		frac = float64(p.BytesDone) / float64(p.BytesTotal)
	}
	frac = min(max(frac, 0), 1)
	filled := int(frac * float64(width))
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	more := ""
	if !p.WalkDone {
		more = "+" // still finding files
	}
	return fmt.Sprintf("%s %3.0f%% %d/%d%s files  %s/%s  %s/s  ETA %s",
		bar, frac*100, p.FilesDone, p.FilesTotal, more,
		Bytes(p.BytesDone), Bytes(p.BytesTotal), Bytes(int64(rate(p))), eta(p))
}

// Line is the plain progress line logged when there is no terminal.
func Line(p Progress) string {
	return fmt.Sprintf("ingest %s: %d/%d files, %s of %s, %d new, %d already in the bank, %d failed, %s/s",
		p.IngestID, p.FilesDone, p.FilesTotal, Bytes(p.BytesDone), Bytes(p.BytesTotal),
		p.Ingested, p.Duplicates, p.Failed, Bytes(int64(rate(p))))
}

func rate(p Progress) float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.BytesDone) / p.Elapsed.Seconds()
}

func eta(p Progress) string {
	r := rate(p)
	if r <= 0 || !p.WalkDone {
		return "--:--"
	}
	left := time.Duration(float64(p.BytesTotal-p.BytesDone) / r * float64(time.Second))
	left = left.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
}

// Bytes formats a byte count the way people read it (1.5 GB).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
