package s3store

import (
	"fmt"
	"sync/atomic"
	"testing"

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
