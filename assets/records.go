package assets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	gojson "github.com/goccy/go-json"
)

// maxRecord bounds what is read as a record, so a damaged or hostile
// object cannot exhaust memory.
const maxRecord = 16 << 20

// ReadRecord reads the record of asset id and its ETag, for a conditional
// write back.
func ReadRecord(ctx context.Context, s Store, id string) (*Asset, string, error) {
	var a Asset
	etag, err := ReadJSON(ctx, s, RecordKey(id), &a)
	if err != nil {
		return nil, "", err
	}
	return &a, etag, nil
}

// WriteRecord writes the record of a under the given conditions.
func WriteRecord(ctx context.Context, s Store, a *Asset, opts PutOptions) (Object, error) {
	return WriteJSON(ctx, s, RecordKey(a.ID), a, opts)
}

// ReadJSON decodes the JSON object under key into v and returns its ETag.
func ReadJSON(ctx context.Context, s Store, key string, v any) (string, error) {
	r, obj, err := s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	// Sized from the store's answer, the record is read in one go where
	// io.ReadAll's growing buffer took several reads (a reindex reads
	// every record).
	buf := bytes.NewBuffer(make([]byte, 0, min(max(obj.Size, 0), maxRecord)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, maxRecord+1)); err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	data := buf.Bytes()
	if len(data) > maxRecord {
		return "", fmt.Errorf("read %s: larger than %d bytes", key, maxRecord)
	}
	if err := decodeJSON(data, v); err != nil {
		return "", fmt.Errorf("decode %s: %w", key, err)
	}
	return obj.ETag, nil
}

// decodeJSON is json.Unmarshal, by a decoder that takes a quarter of its
// CPU: a reindex decodes every record, and encoding/json was a tenth of
// its CPU (docs/benchmarks.md). FuzzDecodeJSON holds it to decoding as
// encoding/json does.
func decodeJSON(data []byte, v any) error {
	return gojson.Unmarshal(data, v)
}

// WriteJSON encodes v as indented JSON (people read the bucket too) and
// writes it under key.
func WriteJSON(ctx context.Context, s Store, key string, v any, opts PutOptions) (Object, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return Object{}, fmt.Errorf("encode %s: %w", key, err)
	}
	if opts.ContentType == "" {
		opts.ContentType = "application/json"
	}
	return s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), opts)
}
