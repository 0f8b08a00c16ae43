package ingest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"mediabank/assets"
)

// Memo remembers which bytes a card file held when it was last ingested,
// so that a card put in again is recognised without reading it whole: a
// file seen before under the same path, size and modification time, whose
// record is in the bank, counts as already there. It is a local cache and
// may be deleted at any time; the bank itself never depends on it.
type Memo struct {
	db *bolt.DB
}

const memoBucket = "seen"

// OpenMemo opens (or creates) the memo file. Another process holding it
// makes OpenMemo fail after a moment rather than wait.
func OpenMemo(path string) (*Memo, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("ingest: open memo %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(memoBucket))
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("ingest: open memo %s: %w", path, err)
	}
	return &Memo{db: db}, nil
}

// Close closes the memo file.
func (m *Memo) Close() error { return m.db.Close() }

// memoKey names a file by where it lies on its card or folder and what the
// file system says of it. The root's own path is left out, since a card
// mounts under a different folder each time.
func memoKey(f file) []byte {
	return []byte(f.rel + "\x00" + strconv.FormatInt(f.info.Size(), 10) + "\x00" + strconv.FormatInt(f.info.ModTime().UnixNano(), 10))
}

// lookup returns the SHA-256 the file had, if it is remembered.
func (m *Memo) lookup(f file) (string, bool) {
	var sha string
	_ = m.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(memoBucket)).Get(memoKey(f)); len(v) == 32 {
			sha = hex.EncodeToString(v)
		}
		return nil
	})
	return sha, sha != ""
}

// note is one file to remember: its memo key and its SHA-256.
type note struct {
	key []byte
	sha string
}

// remember notes that the files hold these bytes, now in the bank, in one
// commit. Losing notes costs only a re-read next time.
func (m *Memo) remember(notes []note) error {
	if len(notes) == 0 {
		return nil
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(memoBucket))
		for _, n := range notes {
			sum, err := hex.DecodeString(n.sha)
			if err != nil || assets.ValidID(n.sha) != nil {
				return fmt.Errorf("ingest: memo: bad hash %q", n.sha)
			}
			if err := b.Put(n.key, sum); err != nil {
				return fmt.Errorf("ingest: memo: %w", err)
			}
		}
		return nil
	})
}

// sameEnds tells whether the card file and the stored original agree on
// their first and last bytes. A remembered path, size and time is only a
// hint: this cheap check guards against two different files that happen
// to share all three (cameras reuse names after a format, FAT keeps time
// to two seconds), so a new photo is never taken for an old one.
func sameEnds(src, stored io.ReaderAt, size int64) (bool, error) {
	const n = 64 << 10
	offsets := []int64{0}
	if size > n {
		offsets = append(offsets, size-n)
	}
	a, b := make([]byte, min(n, size)), make([]byte, min(n, size))
	for _, off := range offsets {
		if _, err := src.ReadAt(a, off); err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if _, err := stored.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if !bytes.Equal(a, b) {
			return false, nil
		}
	}
	return true, nil
}
