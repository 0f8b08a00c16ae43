// Package derrors is the one vocabulary of errors the domain packages
// share (after pkgsite's internal/derrors): each package's own sentinels
// wrap one of these kinds, and the faces (the API and the pages) map a
// kind to an HTTP status once, in Status.
package derrors

import (
	"errors"
	"net/http"
)

// The kinds of error a request can meet.
var (
	// Invalid: the input is wrong; the message says how.
	Invalid = errors.New("invalid")
	// Unauthorized: who is asking is not known (not logged in).
	Unauthorized = errors.New("unauthorized")
	// Forbidden: who is asking may not do this.
	Forbidden = errors.New("forbidden")
	// NotFound: no such thing.
	NotFound = errors.New("not found")
	// Conflict: it exists already, or clashes with what does.
	Conflict = errors.New("conflict")
	// Precondition: it changed since it was read.
	Precondition = errors.New("precondition failed")
	// PreconditionRequired: a change must say which version it read.
	PreconditionRequired = errors.New("precondition required")
	// NotAllowed: the thing's state does not allow the action now.
	NotAllowed = errors.New("not allowed")
	// TooLarge: the input is larger than accepted.
	TooLarge = errors.New("too large")
	// Unsupported: the input comes in a format not taken.
	Unsupported = errors.New("unsupported")
	// Throttled: too many attempts; try again later.
	Throttled = errors.New("throttled")
	// Gone: it was there, and is no more (an expired or revoked link).
	Gone = errors.New("gone")
	// Unusable: the input is well formed, but nothing can be made of it
	// (a picture too large to decode, a channel picture over its limit).
	Unusable = errors.New("unusable")
)

// kindError is a package's sentinel: its own message, and its kind.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// New makes a sentinel error with message msg that matches kind
// (errors.Is), for a package's own vocabulary: collections.ErrNotFound is
// New(NotFound, "collection not found").
func New(kind error, msg string) error { return &kindError{msg: msg, kind: kind} }

// statuses maps the kinds to HTTP statuses, the first match winning.
var statuses = []struct {
	kind   error
	status int
}{
	{Invalid, http.StatusBadRequest},
	{Unauthorized, http.StatusUnauthorized},
	{Forbidden, http.StatusForbidden},
	{NotFound, http.StatusNotFound},
	{Conflict, http.StatusConflict},
	{Precondition, http.StatusPreconditionFailed},
	{TooLarge, http.StatusRequestEntityTooLarge},
	{Unsupported, http.StatusUnsupportedMediaType},
	{PreconditionRequired, http.StatusPreconditionRequired},
	{Throttled, http.StatusTooManyRequests},
	{NotAllowed, http.StatusUnprocessableEntity},
	{Gone, http.StatusGone},
	{Unusable, http.StatusUnprocessableEntity},
}

// Status is the HTTP status for err: 500 for anything of no kind.
func Status(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	for _, s := range statuses {
		if errors.Is(err, s.kind) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}
