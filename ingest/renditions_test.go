package ingest_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/renditions"
)

// TestRenditionFailure checks that an ingest records why a file gave no
// renditions, and which assets `mediabank renditions` then works on:
// everything, or with --missing those lacking renditions but not the
// failed ones, which --retry-failed adds back.
func TestRenditionFailure(t *testing.T) {
	bk := backends()["disk"](t)
	dir := t.TempDir()
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewGray(image.Rect(0, 0, 640, 480)), nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"BOMB.PNG": testfiles.PNGBomb(), "DSC_0001.JPG": photo.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := bk.ingester(ingest.Options{Renditions: true}).Run(t.Context(), []string{dir}, ingest.RunOptions{})
	if err != nil || rep.Ingested != 2 || rep.RenditionErrs != 1 {
		t.Fatalf("ingest: %v %+v, want 2 ingested, 1 rendition error", err, rep)
	}
	a, _, err := assets.ReadRecord(t.Context(), bk.store, hashFile(t, filepath.Join(dir, "BOMB.PNG")))
	if err != nil {
		t.Fatal(err)
	}
	if a.RenditionFailure == nil || !strings.Contains(a.RenditionFailure.Reason, "over the decode budget") || a.RenditionFailure.At.IsZero() {
		t.Fatalf("the bomb's record says %+v, want the refusal and its time", a.RenditionFailure)
	}

	tests := []struct {
		which ingest.Which
		want  ingest.RenditionStats
	}{
		{ingest.Which{Missing: true}, ingest.RenditionStats{}},
		{ingest.Which{Missing: true, RetryFailed: true}, ingest.RenditionStats{Assets: 1, Failed: 1}},
		{ingest.Which{}, ingest.RenditionStats{Assets: 2, Made: 2, Failed: 1}},
	}
	for _, tt := range tests {
		got, err := ingest.Renditions(t.Context(), bk.store, &renditions.Maker{}, tt.which, slog.New(slog.DiscardHandler))
		if err != nil || got != tt.want {
			t.Errorf("Renditions(%+v) = %+v, %v; want %+v", tt.which, got, err, tt.want)
		}
	}
}
