package testfiles

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// ExifTool reads file with `exiftool -j -G0:1 -a -n`, the tool the photo world
// trusts, and returns its tags by groups and name ("IPTC:Caption-Abstract",
// "XMP:XMP-dc:Description", "MakerNotes:Nikon:…"), numbers plain.
func ExifTool(tb testing.TB, file string) map[string]any {
	tb.Helper()
	bin, err := exec.LookPath("exiftool")
	if err != nil {
		Missing(tb, "exiftool (apt-get install libimage-exiftool-perl)")
	}
	abs, err := filepath.Abs(file) // never read as an option
	if err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(bin, "-j", "-G0:1", "-a", "-n", abs).Output()
	if err != nil {
		tb.Fatalf("exiftool %s: %v", file, err)
	}
	var tags []map[string]any
	if err := json.Unmarshal(out, &tags); err != nil || len(tags) != 1 {
		tb.Fatalf("exiftool %s: %v: %s", file, err, out)
	}
	return tags[0]
}
