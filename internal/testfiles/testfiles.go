// Package testfiles finds the shared camera files the tests read
// (../shared/testdata beside the repository), and fails the test under
// CI=true when they are missing instead of skipping it.
package testfiles

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"mediabank/internal/ifd"
)

// Dir returns the absolute path of the shared test data folder.
func Dir(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "testdata")
			if _, err := os.Stat(filepath.Join(p, "expected", "exiftool.json")); err == nil {
				return filepath.Clean(p)
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	Missing(tb, "../shared/testdata (the shared camera files)")
	return ""
}

// Missing stops a test whose dependency is absent: a failure in CI, where
// everything must be installed, a skip on a developer's machine.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is missing, and CI=true requires it", what)
	}
	tb.Skipf("%s is missing (set CI=true to make this a failure)", what)
}

// ReadFile reads a file the test needs, failing the test if it cannot.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// RW2 makes a minimal Panasonic RW2: the PanasonicRaw IFD0 with Make,
// Model, the sensor size and borders, and the ISO. The shared camera files
// hold no RW2; ExifTool 12.57 reads this one as IFD0:ISO and a
// Composite:ImageSize of (right−left)×(bottom−top).
func RW2(width, height, top, left, bottom, right, iso uint16) []byte {
	short := func(tag, v uint16) ifd.Entry {
		return ifd.Entry{Tag: tag, Type: ifd.Short, Count: 1, Data: binary.LittleEndian.AppendUint16(nil, v)}
	}
	entries := []ifd.Entry{
		{Tag: 0x01, Type: ifd.Undefined, Count: 4, Data: []byte("0310")}, // PanasonicRawVersion
		short(0x02, width), short(0x03, height),
		short(0x04, top), short(0x05, left), short(0x06, bottom), short(0x07, right),
		short(0x17, iso),
		ifd.Text(0x10F, "Panasonic"), ifd.Text(0x110, "DC-GH5"),
		short(0x112, 1),
	}
	const header = "IIU\x00\x08\x00\x00\x00" // little-endian, IFD0 at 8
	return ifd.Append([]byte(header), binary.LittleEndian, entries, 8)
}
