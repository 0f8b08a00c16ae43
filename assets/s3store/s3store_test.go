package s3store

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"mediabank/assets"
	"mediabank/assets/storetest"
)

func TestConformance(t *testing.T) {
	m := storetest.StartMinIO(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) assets.Store {
		// A fresh bucket per subtest: no shared state, one server.
		s, err := Open(t.Context(), Config{
			Endpoint:  m.Endpoint,
			Bucket:    fmt.Sprintf("conformance-%d", n.Add(1)),
			AccessKey: m.AccessKey,
			SecretKey: m.SecretKey,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestMapErr: the S3 answers callers branch on carry the assets kinds, and
// only passing troubles are marked unavailable (the retry wrapper retries
// those and nothing else).
func TestMapErr(t *testing.T) {
	tests := []struct {
		code   string
		status int
		want   error // nil: none of the kinds below
	}{
		{"NoSuchKey", 404, assets.ErrNotFound},
		{"", 404, assets.ErrNotFound},
		{"PreconditionFailed", 412, assets.ErrPrecondition},
		{"ConditionalRequestConflict", 409, assets.ErrPrecondition},
		{"BadDigest", 400, assets.ErrChecksum},
		{"InternalError", 500, assets.ErrUnavailable},
		{"SlowDown", 503, assets.ErrUnavailable},
		{"RequestTimeout", 400, assets.ErrUnavailable},
		{"ClientDisconnected", 499, assets.ErrUnavailable},
		// A 499 with no body, as MinIO answers a put while it stops (seen
		// in TestStoreOutage): minio-go's code is the status line.
		{"499 status code 499", 499, assets.ErrUnavailable},
		{"AccessDenied", 403, nil},
		{"InvalidArgument", 400, nil},
	}
	kinds := []error{assets.ErrNotFound, assets.ErrPrecondition, assets.ErrChecksum, assets.ErrUnavailable}
	for _, tt := range tests {
		err := mapErr(fmt.Errorf("put k: %w", minio.ErrorResponse{Code: tt.code, StatusCode: tt.status}))
		for _, k := range kinds {
			if got, want := errors.Is(err, k), k == tt.want; got != want {
				t.Errorf("%s (%d): errors.Is(%v) = %v, want %v", tt.code, tt.status, k, got, want)
			}
		}
	}
}
