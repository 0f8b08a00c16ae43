package ingest_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// secretXMP is a sidecar that lives outside the card.
const secretXMP = `<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">RAHASIA di luar kartu</rdf:li></rdf:Alt></dc:description></rdf:Description>
</rdf:RDF></x:xmpmeta>`

// inBank reports whether an original with these bytes is in the bank.
func inBank(t *testing.T, store assets.Store, data []byte) bool {
	t.Helper()
	_, _, err := assets.ReadRecord(t.Context(), store, assets.Sum(data))
	if err != nil && !errors.Is(err, assets.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestSymlinkedSidecar: a sidecar that is a symlink to a file outside the
// card is not read: its text is not in the record and it is not copied
// into the bank (issue 10 #5). The photo itself still goes in.
func TestSymlinkedSidecar(t *testing.T) {
	photo, err := os.ReadFile(filepath.Join(testfiles.Dir(t), "photos/jpg/Nikon_D70.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	card, outside := t.TempDir(), t.TempDir()
	mustWrite(t, filepath.Join(card, "IMG_0001.JPG"), photo)
	mustWrite(t, filepath.Join(outside, "secret.xmp"), []byte(secretXMP))
	if err := os.Symlink(filepath.Join(outside, "secret.xmp"), filepath.Join(card, "IMG_0001.xmp")); err != nil {
		t.Fatal(err)
	}
	b := backends()["disk"](t)
	rep, err := b.ingester(ingest.Options{}).Run(t.Context(), []string{card}, ingest.RunOptions{})
	if err != nil || rep.Ingested != 1 {
		t.Fatalf("ingest: %+v, %v; want the photo in", rep, err)
	}
	a, _, err := assets.ReadRecord(t.Context(), b.store, assets.Sum(photo))
	if err != nil {
		t.Fatal(err)
	}
	if a.Sidecar != "" || strings.Contains(a.Meta.Caption, "RAHASIA") {
		t.Errorf("record took the symlinked sidecar: sidecar %q, caption %q", a.Sidecar, a.Meta.Caption)
	}
	if _, err := b.store.Stat(t.Context(), assets.SidecarKey(a.ID)); !errors.Is(err, assets.ErrNotFound) {
		t.Errorf("sidecar copied into the bank: stat %v", err)
	}
}

// TestSymlinkSwappedIn: a card file replaced by a symlink between the walk
// and the open, or its folder replaced by a symlink to a folder outside
// the card, is refused: the file outside never reaches the bank (issue 10
// #6). The swap is made by a hook at that moment, not by racing.
func TestSymlinkSwappedIn(t *testing.T) {
	root := testfiles.Dir(t)
	onCard, err := os.ReadFile(filepath.Join(root, "photos/jpg/Nikon_D70.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(root, "photos/jpg/Canon_40D.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		swap func(t *testing.T, card, outside string) // replaces DCIM/100/IMG_0001.JPG
	}{
		{"the file becomes a symlink", func(t *testing.T, card, outside string) {
			p := filepath.Join(card, "DCIM/100/IMG_0001.JPG")
			mustDo(t, os.Remove(p))
			mustDo(t, os.Symlink(filepath.Join(outside, "IMG_0001.JPG"), p))
		}},
		{"its folder becomes a symlink", func(t *testing.T, card, outside string) {
			p := filepath.Join(card, "DCIM/100")
			mustDo(t, os.Rename(p, filepath.Join(card, "DCIM/old")))
			mustDo(t, os.Symlink(outside, p))
		}},
		{"the file is replaced by another file", func(t *testing.T, card, outside string) {
			p := filepath.Join(card, "DCIM/100/IMG_0001.JPG")
			mustDo(t, os.Remove(p))
			mustDo(t, os.Link(filepath.Join(outside, "IMG_0001.JPG"), p))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, outside := t.TempDir(), t.TempDir()
			mustDo(t, os.MkdirAll(filepath.Join(card, "DCIM/100"), 0o755))
			mustWrite(t, filepath.Join(card, "DCIM/100/IMG_0001.JPG"), onCard)
			mustWrite(t, filepath.Join(outside, "IMG_0001.JPG"), secret)
			b := backends()["disk"](t)
			in := b.ingester(ingest.Options{Workers: 1})
			swapped := false
			ingest.SetBeforeOpen(in, func(p string) {
				if !swapped && strings.HasSuffix(p, "IMG_0001.JPG") {
					swapped = true
					tc.swap(t, card, outside)
				}
			})
			rep, err := in.Run(t.Context(), []string{card}, ingest.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !swapped {
				t.Fatal("the hook never ran")
			}
			if inBank(t, b.store, secret) {
				t.Errorf("the file outside the card is in the bank")
			}
			if rep.Failed != 1 || len(rep.Failures) != 1 {
				t.Errorf("report %+v: want the swapped file failed, with its reason", rep)
			} else {
				t.Logf("refused: %s", rep.Failures[0].Error)
			}
		})
	}
}

func mustWrite(t *testing.T, p string, data []byte) {
	t.Helper()
	mustDo(t, os.WriteFile(p, data, 0o644))
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
