// Package assets is the domain of the bank: assets, their records and the
// object store they live in. The bucket is the system of record; everything
// else (the search index, caches) is derived from it.
package assets

import (
	"context"
	"errors"
	"io"
	"time"

	"mediabank/internal/derrors"
)

// Errors a Store reports so callers can tell the expected outcomes of
// conditional writes apart from real failures. Backends wrap them with %w.
var (
	// ErrNotFound: no object under that key.
	ErrNotFound = derrors.New(derrors.NotFound, "not found")
	// ErrPrecondition: a conditional write lost (the key exists for a create,
	// or its ETag changed for a replace).
	ErrPrecondition = derrors.New(derrors.Precondition, "precondition failed")
	// ErrChecksum: the bytes the store received do not hash to the SHA-256
	// the caller said they would.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrUnavailable: the store answered that it cannot serve the request
	// now (busy, starting, an internal error); trying again later may work.
	ErrUnavailable = errors.New("store unavailable")
)

// Store is the seam between the bank and the bytes: S3-compatible object
// storage or a local folder. Keys are slash-separated paths without a
// leading slash. Implementations must be safe for concurrent use.
type Store interface {
	// Put writes r (size bytes, or -1 if unknown) under key. With
	// opts.IfNoneMatch it only creates; with opts.IfMatch it only replaces
	// the object carrying that ETag. Either failing yields ErrPrecondition.
	// With opts.SHA256 set the store verifies the bytes and fails with
	// ErrChecksum (writing nothing) on a mismatch.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Object, error)
	// Get opens the object for reading; the caller closes it.
	Get(ctx context.Context, key string) (Reader, Object, error)
	// Stat describes the object without reading it.
	Stat(ctx context.Context, key string) (Object, error)
	// List calls fn for every object whose key starts with prefix, in
	// lexical key order. An error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Copy copies src to dst inside the store, creating dst only if it is
	// absent (ErrPrecondition otherwise). Large originals are uploaded to a
	// staging key before their hash is known and copied into place.
	Copy(ctx context.Context, src, dst string) (Object, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Reader is an open object: sequential reads for streaming, random reads
// for parsers and HTTP range requests.
type Reader interface {
	io.ReadSeekCloser
	io.ReaderAt
}

// PutOptions are the conditions and checks of a write.
type PutOptions struct {
	ContentType string
	// IfNoneMatch makes the write create-only (If-None-Match: *).
	IfNoneMatch bool
	// IfMatch makes the write replace only the object with this ETag.
	IfMatch string
	// SHA256 is the lowercase hex digest the bytes must have, if known.
	SHA256 string
}

// Object describes a stored object.
type Object struct {
	Key         string
	Size        int64
	ETag        string
	ModTime     time.Time
	ContentType string
	// SHA256 is the lowercase hex digest of the whole object as computed or
	// verified by the store itself, or "" when the store cannot vouch for
	// one (for example an S3 multipart upload or a server-side copy).
	SHA256 string
}

// ContextReader reads r until ctx is done, then fails the next read with
// ctx's error, so that a long copy stops at the next chunk.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
