// Package testfiles finds the shared camera files the tests read
// (../shared/testdata beside the repository), and fails the test under
// CI=true when they are missing instead of skipping it.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
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
