// Package auth is who may do what in the bank: accounts and their
// passwords, API tokens for scripts, server-side sessions, login
// throttling, and the one policy table of role x action that the API, the
// collection workflow and the docs all read.
//
// Accounts and tokens are JSON records in the bank like everything else
// (users/<name>.json, tokens/<sha256>.json), changed with conditional
// writes. Sessions and throttle counters live in memory only.
//
// The package knows nothing of HTTP; the API maps its errors to statuses:
// ErrNotFound 404, ErrConflict 409 (or 412 for a stale If-Match),
// ErrInvalid 400, ErrUnauthorized 401, ErrForbidden 403 (ErrDisabled is
// one), ErrThrottled 429 with the RetryAfter of a *ThrottledError.
package auth

import (
	"fmt"
	"time"

	"mediabank/internal/derrors"
)

// The outcomes callers branch on; every error of this package that is
// not a server fault wraps one of them.
var (
	ErrNotFound     = derrors.New(derrors.NotFound, "not found")
	ErrConflict     = derrors.New(derrors.Conflict, "conflict")
	ErrInvalid      = derrors.New(derrors.Invalid, "invalid input")
	ErrUnauthorized = derrors.New(derrors.Unauthorized, "unauthorized")
	ErrForbidden    = derrors.New(derrors.Forbidden, "forbidden")
	ErrThrottled    = derrors.New(derrors.Throttled, "throttled")
	// ErrDisabled is reported only after the password or token was right,
	// so it tells nothing to someone who does not hold the credential.
	ErrDisabled = fmt.Errorf("account disabled: %w", ErrForbidden)
)

// ThrottledError says how long a client must wait before trying to log in
// again. It matches ErrThrottled with errors.Is.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins: retry after %s", e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Unwrap() error { return ErrThrottled }
