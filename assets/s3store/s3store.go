// Package s3store keeps the bank in an S3-compatible bucket (MinIO, AWS
// S3, Ceph, SeaweedFS …) through minio-go.
//
// Writes of up to PartSize bytes are single PUTs: they are atomic, honour
// If-Match / If-None-Match on the server, and carry an
// x-amz-checksum-sha256 that the server verifies, so Object.SHA256 is
// vouched for by the store. Larger or unsized writes are multipart uploads
// holding one part in memory at a time; their preconditions are sent with
// both the initiation (to fail early) and the completion (where the server
// decides atomically), and they report no SHA256.
package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"mediabank/assets"
)

// DefaultPartSize bounds the memory of one upload: one part is buffered
// at a time.
const DefaultPartSize = 16 << 20

// maxCopySize is the largest object S3 copies in one CopyObject request.
const maxCopySize = 5 << 30

// Config says where the bucket is.
type Config struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	TLS       bool
	// PartSize is the multipart part size and the largest single PUT;
	// DefaultPartSize when 0. S3 requires at least 5 MiB.
	PartSize uint64
}

// Store is a bucket. It is safe for concurrent use.
type Store struct {
	client   *minio.Client
	bucket   string
	partSize int64
}

var _ assets.Store = (*Store)(nil)

// Open connects and creates the bucket if it is missing.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.TLS,
		Region: cfg.Region,
		// Needed to send and receive x-amz-checksum-* headers.
		TrailingHeaders: true,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: open %s: %w", cfg.Endpoint, err)
	}
	partSize := int64(cfg.PartSize)
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < 5<<20 {
		return nil, fmt.Errorf("s3store: open %s: part size %d below the S3 minimum of 5 MiB", cfg.Endpoint, partSize)
	}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3store: open bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		// Another node may have created it since we looked.
		if err != nil && errResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("s3store: create bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
		}
	}
	return &Store{client: client, bucket: cfg.Bucket, partSize: partSize}, nil
}

// mapErr tags S3 error codes with the assets errors callers branch on,
// keeping the server's error in the chain for the message.
func mapErr(err error) error {
	resp := errResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchBucket" ||
		resp.Code == "" && resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: %w", assets.ErrNotFound, err)
	case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed ||
		// AWS answers 409 when a concurrent conditional write won the race.
		resp.Code == "ConditionalRequestConflict":
		return fmt.Errorf("%w: %w", assets.ErrPrecondition, err)
	case resp.Code == "BadDigest" || resp.Code == "InvalidDigest" ||
		resp.Code == "XAmzContentSHA256Mismatch" || resp.Code == "XAmzContentChecksumMismatch":
		return fmt.Errorf("%w: %w", assets.ErrChecksum, err)
	case resp.StatusCode >= 500 || resp.Code == "SlowDown" || resp.Code == "ServiceUnavailable" ||
		resp.Code == "RequestTimeout" || resp.Code == "XMinioServerNotInitialized" ||
		// MinIO's 499: it stopped reading the request (it was shutting
		// down, or the connection broke), so nothing was written. Its
		// request throttle (maxClients in cmd/handler-api.go) answers a
		// bare 499 with no body when shutdown cancels a request waiting
		// for its turn; minio-go then gives the status line as the code.
		resp.Code == "ClientDisconnected" || resp.StatusCode == 499:
		return fmt.Errorf("%w: %w", assets.ErrUnavailable, err)
	case minio.IsNetworkOrHostDown(err, true):
		// minio-go's own judgement of its transport errors (it rewrites a
		// connection cut mid-request into a plain message, for one).
		return fmt.Errorf("%w: %w", assets.ErrUnavailable, err)
	}
	return err
}

// errResponse finds the S3 error in err's chain; minio.ToErrorResponse
// only looks at err itself, not at what wraps it.
func errResponse(err error) minio.ErrorResponse {
	var resp minio.ErrorResponse
	errors.As(err, &resp)
	return resp
}

// conditions are the precondition headers of a write.
func conditions(opts assets.PutOptions) minio.PutObjectOptions {
	var p minio.PutObjectOptions
	if opts.IfNoneMatch {
		p.SetMatchETagExcept("*")
	}
	if opts.IfMatch != "" {
		p.SetMatchETag(opts.IfMatch)
	}
	return p
}

// Put uploads r. A cancelled ctx stops the upload between reads, and
// nothing becomes visible: a single PUT is not committed without all its
// bytes, and an unfinished multipart upload is aborted.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	r = assets.ContextReader(ctx, r)
	var (
		obj assets.Object
		err error
	)
	if size >= 0 && size <= s.partSize {
		obj, err = s.putSingle(ctx, key, r, size, opts)
	} else {
		// Unknown or large: read one part first; if that is all there is,
		// a single PUT still gets the server-verified checksum.
		buf := make([]byte, s.partSize)
		n, rerr := io.ReadFull(r, buf)
		switch {
		case rerr == nil:
			obj, err = s.putMultipart(ctx, key, buf, r, size, opts)
		case errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF):
			if size >= 0 {
				err = fmt.Errorf("got %d bytes, want %d: %w", n, size, io.ErrUnexpectedEOF)
			} else {
				obj, err = s.putSingle(ctx, key, bytes.NewReader(buf[:n]), int64(n), opts)
			}
		default:
			err = rerr
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			// minio-go may report a cancellation as a transport error.
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		if opts.IfMatch != "" && errResponse(err).Code == "NoSuchKey" {
			// S3 answers If-Match on an absent key with 404; to the caller
			// it is a replace that lost.
			err = fmt.Errorf("%w: %w", assets.ErrPrecondition, err)
		}
		return assets.Object{}, fmt.Errorf("s3store: put %s: %w", key, mapErr(err))
	}
	return obj, nil
}

func (s *Store) putSingle(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	popts := conditions(opts)
	popts.ContentType = opts.ContentType
	popts.DisableMultipart = true
	if opts.SHA256 != "" {
		sum, err := hex.DecodeString(opts.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return assets.Object{}, fmt.Errorf("sha256 %q is not a hex SHA-256", opts.SHA256)
		}
		// The server hashes what it receives and refuses to store a
		// mismatch (XAmzContentChecksumMismatch).
		popts.UserMetadata = map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum)}
	} else {
		// Have the client hash while sending (a trailing checksum) and the
		// server verify and return it.
		popts.Checksum = minio.ChecksumSHA256
	}
	info, err := s.client.PutObject(ctx, s.bucket, key, r, size, popts)
	if err != nil {
		return assets.Object{}, err
	}
	return assets.Object{
		Key:         key,
		Size:        info.Size,
		ETag:        info.ETag,
		ModTime:     info.LastModified,
		ContentType: opts.ContentType,
		SHA256:      hexChecksum(info.ChecksumSHA256),
	}, nil
}

// putMultipart uploads first, then the rest of r, one part at a time
// through a single buffer. minio-go's PutObject would not send the
// preconditions with the completion, which is where S3 checks them
// atomically, so the upload is driven through minio.Core.
func (s *Store) putMultipart(ctx context.Context, key string, first []byte, r io.Reader, size int64, opts assets.PutOptions) (obj assets.Object, err error) {
	core := minio.Core{Client: s.client}
	cond := conditions(opts)
	initOpts := cond
	initOpts.ContentType = opts.ContentType
	uploadID, err := core.NewMultipartUpload(ctx, s.bucket, key, initOpts)
	if err != nil {
		return assets.Object{}, err
	}
	defer func() {
		if err != nil {
			// Abort even when ctx is cancelled, so no parts linger.
			core.AbortMultipartUpload(context.WithoutCancel(ctx), s.bucket, key, uploadID)
		}
	}()

	h := sha256.New()
	var (
		parts []minio.CompletePart
		total int64
	)
	buf, n := first, len(first)
	for partNum := 1; n > 0; partNum++ {
		h.Write(buf[:n])
		part, err := core.PutObjectPart(ctx, s.bucket, key, uploadID, partNum, bytes.NewReader(buf[:n]), int64(n), minio.PutObjectPartOptions{})
		if err != nil {
			return assets.Object{}, fmt.Errorf("part %d: %w", partNum, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: partNum, ETag: part.ETag})
		total += int64(n)
		n, err = io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return assets.Object{}, err
		}
	}
	if size >= 0 && total != size {
		return assets.Object{}, fmt.Errorf("got %d bytes, want %d: %w", total, size, io.ErrUnexpectedEOF)
	}
	// S3 cannot verify a whole-object SHA-256 of a multipart upload, but we
	// saw every byte we sent, so a mismatch is caught before anything is
	// committed.
	if got := hex.EncodeToString(h.Sum(nil)); opts.SHA256 != "" && !strings.EqualFold(got, opts.SHA256) {
		return assets.Object{}, fmt.Errorf("sha256 %s, want %s: %w", got, opts.SHA256, assets.ErrChecksum)
	}
	info, err := core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, parts, cond)
	if err != nil {
		return assets.Object{}, err
	}
	return assets.Object{
		Key:         key,
		Size:        total,
		ETag:        info.ETag,
		ModTime:     info.LastModified,
		ContentType: opts.ContentType,
	}, nil
}

// hexChecksum turns a full-object x-amz-checksum-sha256 (base64) into hex.
// Composite checksums of multipart objects ("…-N") are not a digest of the
// bytes and give "".
func hexChecksum(b64 string) string {
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sum) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(sum)
}

func object(info minio.ObjectInfo) assets.Object {
	return assets.Object{
		Key:         info.Key,
		Size:        info.Size,
		ETag:        info.ETag,
		ModTime:     info.LastModified,
		ContentType: info.ContentType,
		SHA256:      hexChecksum(info.ChecksumSHA256),
	}
}

// Get returns the *minio.Object, which reads, seeks and reads at offsets
// with range requests. Its Stat makes the first request now, so a missing
// key fails here rather than at the first Read.
func (s *Store) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	// One GET fixes the version read: a small object (a record) is read
	// whole from it. minio-go's lazy Object would HEAD first and then GET
	// pinned to that ETag, failing when a record is replaced in between.
	opts := minio.GetObjectOptions{Checksum: true}
	body, info, _, err := (&minio.Core{Client: s.client}).GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, assets.Object{}, fmt.Errorf("s3store: get %s: %w", key, mapErr(err))
	}
	if info.Size <= smallObject {
		data, err := io.ReadAll(io.LimitReader(body, smallObject+1))
		body.Close()
		if err != nil {
			return nil, assets.Object{}, fmt.Errorf("s3store: get %s: %w", key, mapErr(err))
		}
		if int64(len(data)) != info.Size {
			return nil, assets.Object{}, fmt.Errorf("s3store: get %s: read %d bytes of %d: %w", key, len(data), info.Size, io.ErrUnexpectedEOF)
		}
		return memReader{bytes.NewReader(data)}, object(info), nil
	}
	body.Close()
	// Larger: random access through minio-go's Object, pinned to the
	// version just seen (originals and renditions are never replaced).
	if err := opts.SetMatchETag(info.ETag); err != nil {
		return nil, assets.Object{}, fmt.Errorf("s3store: get %s: %w", key, err)
	}
	o, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, assets.Object{}, fmt.Errorf("s3store: get %s: %w", key, mapErr(err))
	}
	return reader{o, key}, object(info), nil
}

// smallObject is the size up to which Get reads an object whole: every
// record, but not a photograph, which is streamed.
const smallObject = 4 << 20

// memReader is an object read whole.
type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

// reader maps the errors of lazy reads: minio-go fetches ranges pinned to
// the ETag first seen, so an object replaced meanwhile fails with S3's
// precondition error, which callers must see as assets.ErrPrecondition.
type reader struct {
	*minio.Object
	key string
}

func (r reader) Read(p []byte) (int, error) {
	n, err := r.Object.Read(p)
	return n, r.mapRead(err)
}

func (r reader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.Object.ReadAt(p, off)
	return n, r.mapRead(err)
}

func (r reader) mapRead(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return fmt.Errorf("s3store: read %s: %w", r.key, mapErr(err))
}

// Stat is a HEAD request.
func (s *Store) Stat(ctx context.Context, key string) (assets.Object, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return assets.Object{}, fmt.Errorf("s3store: stat %s: %w", key, mapErr(err))
	}
	return object(info), nil
}

// List relies on S3 listing keys in UTF-8 byte order. Listings carry no
// content type or checksum; Stat the keys that need them.
func (s *Store) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	for info := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return fmt.Errorf("s3store: list %q: %w", prefix, mapErr(info.Err))
		}
		if err := fn(object(info)); err != nil {
			return fmt.Errorf("s3store: list %q: %w", prefix, err)
		}
	}
	return nil
}

// Copy copies server-side and only creates dst. The existence check and
// the copy are two requests, so two copies to the same dst can both pass
// the check; the bank only copies staged uploads to content-addressed
// keys, where both writers put the same bytes, so that race is harmless.
func (s *Store) Copy(ctx context.Context, src, dst string) (assets.Object, error) {
	srcInfo, err := s.client.StatObject(ctx, s.bucket, src, minio.StatObjectOptions{})
	if err != nil {
		return assets.Object{}, fmt.Errorf("s3store: copy %s to %s: %w", src, dst, mapErr(err))
	}
	_, err = s.client.StatObject(ctx, s.bucket, dst, minio.StatObjectOptions{})
	if err == nil {
		return assets.Object{}, fmt.Errorf("s3store: copy %s to %s: destination exists: %w", src, dst, assets.ErrPrecondition)
	}
	if err = mapErr(err); !errors.Is(err, assets.ErrNotFound) {
		return assets.Object{}, fmt.Errorf("s3store: copy %s to %s: %w", src, dst, err)
	}
	// MatchETag makes the copy fail rather than copy a source replaced
	// since the Stat.
	srcOpts := minio.CopySrcOptions{Bucket: s.bucket, Object: src, MatchETag: srcInfo.ETag}
	dstOpts := minio.CopyDestOptions{Bucket: s.bucket, Object: dst, ContentType: srcInfo.ContentType}
	var info minio.UploadInfo
	if srcInfo.Size <= maxCopySize {
		info, err = s.client.CopyObject(ctx, dstOpts, srcOpts)
	} else {
		// A multipart copy of ranges; ComposeObject does not keep the
		// source's content type by itself, hence dstOpts.ContentType.
		info, err = s.client.ComposeObject(ctx, dstOpts, srcOpts)
	}
	if err != nil {
		return assets.Object{}, fmt.Errorf("s3store: copy %s to %s: %w", src, dst, mapErr(err))
	}
	return assets.Object{
		Key:         dst,
		Size:        srcInfo.Size,
		ETag:        info.ETag,
		ModTime:     info.LastModified,
		ContentType: srcInfo.ContentType,
	}, nil
}

// Delete removes key; S3 does not report missing keys.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("s3store: delete %s: %w", key, mapErr(err))
	}
	return nil
}
