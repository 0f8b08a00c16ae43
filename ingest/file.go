package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync/atomic"

	"mediabank/assets"
	"mediabank/metadata"
)

// one brings a single file into the bank. buf is the worker's reusable
// read buffer; the possibly grown buffer is returned.
func (r *run) one(ctx context.Context, f file, buf []byte) []byte {
	if ctx.Err() != nil {
		return buf
	}
	status, sha, buf, err := r.store(ctx, f, buf)
	if err != nil {
		r.st.fail(f.path, err)
		r.log.Warn("ingest failed", "path", f.path, "err", err)
		r.journal.add(ctx, entry{Path: f.rel, Root: f.root, Status: "failed", Error: err.Error()})
		return buf
	}
	switch status {
	case "ingested":
		r.st.ingested.Add(1)
	case "duplicate":
		r.st.duplicates.Add(1)
	}
	r.journal.add(ctx, entry{Path: f.rel, Root: f.root, Status: status, SHA256: sha, Size: f.info.Size()})
	return buf
}

// store reads f once, hashing as it goes, and makes sure its original and
// record are in the bank. It reports "ingested" or "duplicate".
func (r *run) store(ctx context.Context, f file, buf []byte) (status, sha string, _ []byte, err error) {
	if r.in.beforeOpen != nil {
		r.in.beforeOpen(f.path)
	}
	// Read-only: nothing is ever written to a card. Never through a
	// symbolic link, and only the file the walk saw.
	src, info, err := openCardFile(f)
	if err != nil {
		return "", "", buf, err
	}
	defer src.Close()
	size := info.Size()
	// ffprobe reads by path: give it the file already open, not the name,
	// which may point elsewhere by now.
	probePath := openedPath(src)
	if sha, ok := r.remembered(ctx, f, src, size); ok {
		r.st.bytesDone.Add(size)
		return "duplicate", sha, buf, nil
	}
	defer func() {
		if err == nil && r.in.opts.Memo != nil {
			// Written at the end of the run, off the path to
			// safe-to-eject: the memo is only a cache.
			r.mu.Lock()
			r.notes = append(r.notes, note{memoKey(f), sha})
			r.mu.Unlock()
		}
	}()
	card := &cardReader{f: src, h: sha256.New(), n: &r.st.bytesDone}

	if size <= r.in.opts.MaxBuffered {
		return r.storeSmall(ctx, f, card, size, probePath, buf)
	}
	status, sha, err = r.storeLarge(ctx, f, src, card, size, probePath)
	return status, sha, buf, err
}

// storeSmall stores a file small enough to hold: read once into memory
// (buf, reused between files), then stored straight under its content
// address with the hash for the store to verify.
func (r *run) storeSmall(ctx context.Context, f file, card *cardReader, size int64, probePath string, buf []byte) (status, sha string, _ []byte, err error) {
	if err := r.memory.acquire(ctx, size); err != nil {
		return "", "", buf, err
	}
	defer r.memory.release(size)
	buf, err = readAll(card, buf, size)
	if err != nil {
		return "", "", buf, fmt.Errorf("read: %w", err)
	}
	sha = card.sum()
	if dup, err := r.seen(ctx, sha, f); dup || err != nil {
		return "duplicate", sha, buf, err
	}
	meta, err := extract(ctx, r.in.meta, metadata.Source{Name: f.info.Name(), R: bytes.NewReader(buf), Size: int64(len(buf)), Path: probePath})
	if err != nil {
		return "", sha, buf, err
	}
	if err := r.putOriginal(ctx, sha, buf); err != nil {
		return "", sha, buf, err
	}
	status, err = r.putRecord(ctx, f, sha, int64(len(buf)), meta)
	if cap(buf) > keptBuffer {
		// Let a rare large buffer go rather than hold it per worker.
		buf = nil
	}
	return status, sha, buf, err
}

// storeLarge stores a file too large to hold: streamed to a staging key
// while hashing, then copied into place once the hash is known. A store
// that retries may rewind card to the start of the file and read it again.
func (r *run) storeLarge(ctx context.Context, f file, src *os.File, card *cardReader, size int64, probePath string) (status, sha string, err error) {
	staging := assets.StagingPrefix + r.id + "-" + randHex() // beside assets.StagingKeep
	if _, err := r.in.store.Put(ctx, staging, card, size, assets.PutOptions{}); err != nil {
		return "", "", err
	}
	defer func() {
		if derr := r.in.store.Delete(context.WithoutCancel(ctx), staging); derr != nil {
			r.log.Warn("staging object left behind", "key", staging, "err", derr)
		}
	}()
	sha = card.sum()
	if card.read != size {
		return "", sha, fmt.Errorf("read %d bytes, want %d: file changed while reading", card.read, size)
	}
	if dup, err := r.seen(ctx, sha, f); dup || err != nil {
		return "duplicate", sha, err
	}
	// Headers only: a few blocks of the card file, not a second full read.
	meta, err := extract(ctx, r.in.meta, metadata.Source{Name: f.info.Name(), R: src, Size: size, Path: probePath})
	if err != nil {
		return "", sha, err
	}
	if err := r.copyOriginal(ctx, staging, sha, size); err != nil {
		return "", sha, err
	}
	status, err = r.putRecord(ctx, f, sha, size, meta)
	return status, sha, err
}

// remembered tells whether the memo knows this file and its bytes are in
// the bank, checked by their record and by comparing the ends of the file
// with the stored original. Anything short of that reads the file.
func (r *run) remembered(ctx context.Context, f file, src *os.File, size int64) (string, bool) {
	if r.in.opts.Memo == nil {
		return "", false
	}
	sha, ok := r.in.opts.Memo.lookup(f)
	if !ok {
		return "", false
	}
	rd, obj, err := r.in.store.Get(ctx, assets.OriginalKey(sha))
	if err != nil {
		return "", false
	}
	defer rd.Close()
	if obj.Size != size {
		return "", false
	}
	if same, err := sameEnds(src, rd, size); err != nil || !same {
		return "", false
	}
	dup, err := r.seen(ctx, sha, f)
	return sha, dup && err == nil
}

// extract reads the file's metadata. A picture too large to decode safely
// is still a photographer's original: it goes into the bank with the
// reason as a warning (and no preview), not out of it.
func extract(ctx context.Context, m MetadataReader, src metadata.Source) (assets.Metadata, error) {
	meta, err := m.Extract(ctx, src)
	if errors.Is(err, metadata.ErrTooManyPixels) {
		meta.Warnings = append(meta.Warnings, err.Error())
		return meta, nil
	}
	return meta, err
}

// seen tells whether the bank already has a record for these bytes. A
// record is only ever written after its original was verified, so its
// presence means the bytes are safe. It also makes sure the record is
// searchable (a run killed before indexing leaves it out) and remembers
// the new name the bytes were found under.
func (r *run) seen(ctx context.Context, sha string, f file) (bool, error) {
	rec, _, err := assets.ReadRecord(ctx, r.in.store, sha)
	if errors.Is(err, assets.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if name := f.info.Name(); newName(rec, name) {
		up, err := assets.UpdateRecord(ctx, r.in.store, assets.RecordKey(sha), assets.UpdateOptions{}, func(a *assets.Asset) error {
			if !newName(a, name) {
				return assets.ErrUnchanged
			}
			a.AlsoSeenAs = append(a.AlsoSeenAs, r.source(f))
			return nil
		})
		if err != nil {
			// Losing a sighting is not worth failing the file: the bytes are safe.
			r.log.Warn("could not note another name", "id", sha, "path", f.path, "err", err)
		} else {
			rec = up.Record
		}
	}
	has, err := r.in.index.Has(ctx, sha)
	if err != nil {
		return true, fmt.Errorf("index lookup %s: %w", sha, err)
	}
	if !has {
		r.indexCh <- rec
	}
	if r.ro.OnAsset != nil {
		r.ro.OnAsset(rec)
	}
	return true, nil
}

// newName tells whether name is not yet among the names of rec.
func newName(rec *assets.Asset, name string) bool {
	return rec.FileName != name && !slices.ContainsFunc(rec.AlsoSeenAs, func(s assets.Source) bool { return path.Base(s.Path) == name })
}

// putOriginal stores bytes under their content address, with their hash
// for the store to check, and makes sure they are there whole.
func (r *run) putOriginal(ctx context.Context, sha string, data []byte) error {
	key := assets.OriginalKey(sha)
	size := int64(len(data))
	obj, err := r.in.store.Put(ctx, key, bytes.NewReader(data), size, assets.PutOptions{IfNoneMatch: true, SHA256: sha, ContentType: "application/octet-stream"})
	if errors.Is(err, assets.ErrPrecondition) {
		// Already there: from a run that died before writing the record,
		// or the same bytes under another name in this run. Check it.
		return r.verify(ctx, key, sha, size)
	}
	if err != nil {
		return err
	}
	if obj.SHA256 == sha {
		return nil
	}
	return r.verify(ctx, key, sha, size)
}

// copyOriginal moves a staged upload to its content address and verifies it.
func (r *run) copyOriginal(ctx context.Context, staging, sha string, size int64) error {
	key := assets.OriginalKey(sha)
	obj, err := r.in.store.Copy(ctx, staging, key)
	if err != nil && !errors.Is(err, assets.ErrPrecondition) {
		return err
	}
	if err == nil && obj.SHA256 == sha {
		return nil
	}
	return r.verify(ctx, key, sha, size)
}

// verify reads an original back from the store and checks its hash, for
// stores that cannot vouch for what they hold (multipart, copies).
func (r *run) verify(ctx context.Context, key, sha string, size int64) error {
	rd, obj, err := r.in.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	defer rd.Close()
	if obj.Size != size {
		return fmt.Errorf("verify %s: stored %d bytes, want %d", key, obj.Size, size)
	}
	h := sha256.New()
	if _, err := io.Copy(h, rd); err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("verify %s: stored bytes hash to %s: %w", key, got, assets.ErrChecksum)
	}
	return nil
}

// putRecord writes the asset record, create-only, after the original is
// verified. Losing the create to another writer means the asset is there.
func (r *run) putRecord(ctx context.Context, f file, sha string, size int64, meta assets.Metadata) (string, error) {
	var cols []string
	if r.ro.Collection != "" {
		cols = []string{r.ro.Collection}
	}
	a := &assets.Asset{
		ID:          sha,
		SHA256:      sha,
		Size:        size,
		FileName:    f.info.Name(),
		Original:    assets.OriginalKey(sha),
		Source:      r.source(f),
		Collection:  r.ro.Collection,
		Collections: cols,
		Stack:       f.stack,
		Meta:        meta,
		CreatedAt:   r.in.opts.Now().UTC(),
	}
	if a.Meta.Kind == "" {
		a.Meta.Kind, a.Meta.MIME, _ = assets.KindOf(a.FileName)
	}
	if err := r.attachSidecar(ctx, f, a); err != nil {
		// The image is worth more than its sidecar: keep it, say why.
		a.Meta.Warnings = append(a.Meta.Warnings, err.Error())
	}
	_, err := assets.WriteRecord(ctx, r.in.store, a, assets.PutOptions{IfNoneMatch: true})
	if errors.Is(err, assets.ErrPrecondition) {
		// The same bytes under another name, a moment earlier in this
		// run or in another: note this name on the record that won.
		_, err := r.seen(ctx, sha, f)
		return "duplicate", err
	}
	if err != nil {
		return "", err
	}
	r.indexCh <- a
	if r.ro.OnAsset != nil {
		r.ro.OnAsset(a)
	}
	if r.in.opts.Renditions {
		r.mu.Lock()
		r.pending = append(r.pending, a)
		r.mu.Unlock()
	}
	return "ingested", nil
}

// attachSidecar reads the image's XMP sidecar, if any, merges it into the
// record and keeps it in the bank beside the original.
func (r *run) attachSidecar(ctx context.Context, f file, a *assets.Asset) error {
	name, data, err := readSidecar(f, 4<<20)
	if err != nil {
		// Without the server's path: warnings are shown to every viewer.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("sidecar %s: %w", name, err)
	}
	if name == "" {
		return nil
	}
	side, err := r.in.meta.ParseXMPSidecar(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("sidecar %s: %w", name, err)
	}
	key := assets.SidecarKey(a.ID)
	if _, err := r.in.store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), assets.PutOptions{ContentType: "application/rdf+xml"}); err != nil {
		return fmt.Errorf("sidecar %s: %w", name, err)
	}
	a.Meta = metadata.MergeSidecar(a.Meta, side)
	a.Sidecar = key
	return nil
}

func (r *run) source(f file) assets.Source {
	return assets.Source{
		Path:       f.rel,
		Root:       f.root,
		Label:      r.ro.Label,
		Host:       r.in.opts.Host,
		IngestID:   r.id,
		IngestedAt: r.start.UTC(),
		ModTime:    f.info.ModTime().UTC(),
	}
}

// keptBuffer is the largest read buffer a worker keeps between files.
const keptBuffer = 16 << 20

// readAll reads exactly size bytes (the file may not grow or shrink while
// we read it) into buf, reusing its storage.
func readAll(r io.Reader, buf []byte, size int64) ([]byte, error) {
	if int64(cap(buf)) < size+1 {
		buf = make([]byte, size, size+1)
	}
	buf = buf[:size]
	if _, err := io.ReadFull(r, buf); err != nil {
		return buf, fmt.Errorf("want %d bytes: %w", size, err)
	}
	// One more byte means the file grew after we measured it.
	var one [1]byte
	if n, _ := r.Read(one[:]); n > 0 {
		return buf, errors.New("file grew while reading")
	}
	return buf, nil
}

// cardReader reads a file off the card once, hashing it and counting its
// bytes for progress. It rewinds only to the start of the file, for a
// store that sends the body again after a fault: the hash and the count
// then start over, so neither holds a byte twice.
type cardReader struct {
	f    *os.File
	h    hash.Hash
	n    *atomic.Int64
	read int64
}

func (c *cardReader) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	c.h.Write(p[:n])
	c.read += int64(n)
	c.n.Add(int64(n))
	return n, err
}

func (c *cardReader) Seek(offset int64, whence int) (int64, error) {
	switch {
	case offset == 0 && whence == io.SeekCurrent:
		return c.read, nil
	case offset == 0 && whence == io.SeekStart:
		if _, err := c.f.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		c.h.Reset()
		c.n.Add(-c.read)
		c.read = 0
		return 0, nil
	}
	return 0, fmt.Errorf("seek %s: only to the start", c.f.Name())
}

func (c *cardReader) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
