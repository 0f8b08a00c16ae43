// Package tempstore gives tests the embedded default backend in a
// temporary folder. (It is apart from internal/testkit so that the store
// conformance suite, which diskstore's own tests import, can use testkit.)
package tempstore

import (
	"testing"

	"mediabank/assets"
	"mediabank/assets/diskstore"
)

// New is an empty disk store in a temporary folder of tb.
func New(tb testing.TB) assets.Store {
	tb.Helper()
	s, err := diskstore.Open(tb.Context(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
