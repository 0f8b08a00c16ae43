package tempstore

import (
	"strings"
	"testing"

	"mediabank/assets"
)

func TestNew(t *testing.T) {
	s := New(t)
	if _, err := s.Put(t.Context(), "collections/x.json", strings.NewReader("{}"), 2, assets.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r, obj, err := s.Get(t.Context(), "collections/x.json")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if obj.Size != 2 {
		t.Errorf("stored %d bytes, want 2", obj.Size)
	}
	if other := New(t); other == s {
		t.Error("two calls gave one store")
	}
}
