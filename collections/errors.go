package collections

import "errors"

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
