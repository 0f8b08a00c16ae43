package metadata

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/office"
)

// TestAgreement runs Extract (ParseXMPSidecar for .xmp files) over every
// file of ../shared/testdata and compares each field ExifTool reports with
// ours (mapping in reference_test.go). It fails below 98% overall.
// PDF is not a media format the extractor reads and is left out.
func TestAgreement(t *testing.T) {
	td := testdata(t)
	zone := office.Zone()
	e := &Extractor{Zone: zone}
	tl := newTally()
	start := time.Now()
	files := 0
	for _, ref := range loadReference(t, td) {
		name, _ := ref.str("SourceFile")
		if strings.HasSuffix(name, ".pdf") {
			continue
		}
		m, err := extractFile(t, e, filepath.Join(td, name))
		files++
		if err != nil {
			t.Logf("%s: %v", name, err)
		}
		want, from := ref.expected(zone)
		tl.add(name, m, want, from)
	}
	elapsed := time.Since(start)
	table, overall := tl.table()
	t.Logf("agreement with ExifTool 12.57 over %d files (%.0f files/s):\n%s", files, float64(files)/elapsed.Seconds(), table)
	for _, miss := range tl.misses {
		t.Log("disagree:", miss)
	}
	if overall < 98 {
		t.Errorf("overall agreement %.1f%% is below 98%%", overall)
	}
}

func extractFile(tb testing.TB, e *Extractor, path string) (assets.Metadata, error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if assets.IsSidecar(path) {
		return e.ParseXMPSidecar(f)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return e.Extract(context.Background(), Source{Name: filepath.Base(path), R: f, Size: st.Size(), Path: path})
}
