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
// not a server fault wraps one of them. They are the shared kinds of
// derrors themselves (a copy here would say the same), but for ErrInvalid,
// whose message says more than the kind's.
var (
	ErrNotFound     = derrors.NotFound
	ErrConflict     = derrors.Conflict
	ErrInvalid      = derrors.New(derrors.Invalid, "invalid input")
	ErrUnauthorized = derrors.Unauthorized
	ErrForbidden    = derrors.Forbidden
	ErrThrottled    = derrors.Throttled
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
