package derrors

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestStatus(t *testing.T) {
	gone := New(NotFound, "collection not found")
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"a sentinel", gone, http.StatusNotFound},
		{"wrapped", fmt.Errorf("get collection x: %w", gone), http.StatusNotFound},
		{"a kind itself", fmt.Errorf("%w: bad date", Invalid), http.StatusBadRequest},
		{"first match wins", fmt.Errorf("%w: %w", New(Forbidden, "no"), gone), http.StatusForbidden},
		{"body too large", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 1}), http.StatusRequestEntityTooLarge},
		{"no kind", errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.err); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
	if got := gone.Error(); got != "collection not found" {
		t.Errorf("message %q", got)
	}
}
