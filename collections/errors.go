package collections

import (
	"fmt"

	"mediabank/internal/derrors"
)

// The errors of collections, each of a kind of derrors (which the faces
// map to HTTP statuses). Every error the Service returns wraps at most one
// of them (errors.Is), with the operation and the id.
var (
	ErrNotFound             = derrors.New(derrors.NotFound, "collection not found")                     // 404
	ErrInvalid              = derrors.New(derrors.Invalid, "invalid input")                             // 400
	ErrForbidden            = derrors.New(derrors.Forbidden, "forbidden")                               // 403
	ErrPrecondition         = derrors.New(derrors.Precondition, "collection changed since it was read") // 412
	ErrPreconditionRequired = derrors.New(derrors.PreconditionRequired, "If-Match is required")         // 428
	ErrNotAllowed           = derrors.New(derrors.NotAllowed, "action not allowed in this state")       // 422; see StateError
)

// StateError is an action the collection's state does not allow, with the
// reason to show the user: "cannot approve: collection is in drafting".
// It matches ErrNotAllowed.
type StateError struct {
	Action string
	Reason string
}

func (e *StateError) Error() string { return "cannot " + e.Action + ": " + e.Reason }

func (e *StateError) Unwrap() error { return ErrNotAllowed }

// Why a user is refused an action or an edit, for pages that explain it in
// their own words.
const (
	RefusedState        = "state"         // the state does not allow it
	RefusedPolicy       = "policy"        // the role may not
	RefusedDelegation   = "delegation"    // only with approval delegated to them
	RefusedNotAssigned  = "not_assigned"  // only the staff assigned to the coverage
	RefusedOwnNarrative = "own_narrative" // nobody approves a narrative they wrote
	RefusedUnreleased   = "unreleased"    // the coverage has not released its material
)

// refusal is a forbidden action with its code and the reason to show; it
// matches ErrForbidden.
type refusal struct {
	code, reason string
}

func deny(code, format string, args ...any) error {
	return &refusal{code: code, reason: fmt.Sprintf(format, args...)}
}

func (r *refusal) Error() string { return ErrForbidden.Error() + ": " + r.reason }

func (r *refusal) Unwrap() error { return ErrForbidden }
