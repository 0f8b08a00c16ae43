package assets

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnchanged is returned by an UpdateRecord change that found nothing to
// do: the write is skipped and UpdateRecord succeeds.
var ErrUnchanged = errors.New("record unchanged")

// DefaultUpdateAttempts is how many times UpdateRecord reads, changes and
// writes before giving up, when UpdateOptions.Attempts is zero.
const DefaultUpdateAttempts = 5

// UpdateOptions tune UpdateRecord. The zero value retries lost races
// DefaultUpdateAttempts times.
type UpdateOptions struct {
	// IfMatch, when set, is the ETag the caller saw: the change applies to
	// that version only, so a record at another version, or a race lost
	// to another writer, is ErrPrecondition at once, never retried.
	IfMatch string
	// Attempts bounds the rounds of read, change, write.
	Attempts int
}

// Updated is what UpdateRecord leaves: the record as it now is in the
// store, its ETag, and whether it was written (false when the change
// returned ErrUnchanged).
type Updated[T any] struct {
	Record  *T
	ETag    string
	Written bool
}

// UpdateRecord is the read–modify–write of every JSON record: it reads
// key with its ETag, applies change, and writes back with If-Match on that
// ETag, so two writers never silently undo each other. A lost race (or a
// read that raced a write) reads the new version and applies change to it
// again, up to opts.Attempts times; change must therefore start from the
// record it is given and may run more than once. An error from change
// other than ErrUnchanged is returned as it is, without writing.
func UpdateRecord[T any](ctx context.Context, s Store, key string, opts UpdateOptions, change func(*T) error) (Updated[T], error) {
	attempts := opts.Attempts
	if attempts <= 0 {
		attempts = DefaultUpdateAttempts
	}
	var lost error
	for range attempts {
		rec := new(T)
		etag, err := ReadJSON(ctx, s, key, rec)
		if errors.Is(err, ErrPrecondition) {
			lost = err // a read that raced a write (S3 reads a large object in ranges pinned to one version)
			continue
		}
		if err != nil {
			return Updated[T]{}, err
		}
		if opts.IfMatch != "" && opts.IfMatch != etag {
			return Updated[T]{}, fmt.Errorf("update %s: If-Match %s, the record is at %s: %w", key, opts.IfMatch, etag, ErrPrecondition)
		}
		switch err := change(rec); {
		case errors.Is(err, ErrUnchanged):
			return Updated[T]{Record: rec, ETag: etag}, nil
		case err != nil:
			return Updated[T]{}, err
		}
		obj, err := WriteJSON(ctx, s, key, rec, PutOptions{IfMatch: etag})
		if errors.Is(err, ErrPrecondition) && opts.IfMatch == "" {
			lost = err
			continue
		}
		if err != nil {
			return Updated[T]{}, err
		}
		return Updated[T]{Record: rec, ETag: obj.ETag, Written: true}, nil
	}
	return Updated[T]{}, fmt.Errorf("update %s: record kept changing, gave up after %d attempts: %w", key, attempts, lost)
}
