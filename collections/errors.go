package collections

import (
	"errors"
	"fmt"
)

// Errors the API maps to HTTP statuses. Every error the Service returns
// wraps at most one of them (errors.Is), with the operation and the id.
var (
	ErrNotFound             = errors.New("collection not found")                 // 404
	ErrInvalid              = errors.New("invalid input")                        // 400
	ErrForbidden            = errors.New("forbidden")                            // 403
	ErrPrecondition         = errors.New("collection changed since it was read") // 412
	ErrPreconditionRequired = errors.New("If-Match is required")                 // 428
	ErrNotAllowed           = errors.New("action not allowed in this state")     // 422; see StateError
)

// StateError is an action the collection's state does not allow, with the
// reason to show the user: "cannot approve: collection is in drafting".
// It matches ErrNotAllowed.
type StateError struct {
	Action string
	Reason string
}

func (e *StateError) Error() string { return "cannot " + e.Action + ": " + e.Reason }

func (e *StateError) Is(target error) bool { return target == ErrNotAllowed }

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
