package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

// errBadRequest marks input the client got wrong; its message says what.
var errBadRequest = errors.New("bad request")

// badRequest makes an error that answers 400 with this message.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

var (
	errUnauthorized  = errors.New("log in first")
	errForbidden     = errors.New("your role may not do this")
	errCSRF          = errors.New("missing or wrong X-CSRF-Token header")
	errNotFound      = errors.New("not found")
	errTooLarge      = errors.New("request body too large")
	errNeedsIfMatch  = errors.New("If-Match header required: read the resource first and send its ETag")
	errPrecondition  = errors.New("changed by someone else since you read it: reload and try again")
	errUnsupportedCT = errors.New("unsupported content type")
	errMethod        = errors.New("method not allowed")
)

// statuses maps errors to HTTP statuses, the first match winning: the one
// place where the domain's errors meet HTTP.
var statuses = []struct {
	err    error
	status int
}{
	{errBadRequest, http.StatusBadRequest},
	{search.ErrQuery, http.StatusBadRequest},
	{auth.ErrInvalid, http.StatusBadRequest},
	{errUnauthorized, http.StatusUnauthorized},
	{auth.ErrUnauthorized, http.StatusUnauthorized},
	{errCSRF, http.StatusForbidden},
	{errForbidden, http.StatusForbidden},
	{auth.ErrForbidden, http.StatusForbidden},
	{errNotFound, http.StatusNotFound},
	{assets.ErrNotFound, http.StatusNotFound},
	{auth.ErrNotFound, http.StatusNotFound},
	{auth.ErrConflict, http.StatusConflict},
	{errPrecondition, http.StatusPreconditionFailed},
	{assets.ErrPrecondition, http.StatusPreconditionFailed},
	{errTooLarge, http.StatusRequestEntityTooLarge},
	{errUnsupportedCT, http.StatusUnsupportedMediaType},
	{errMethod, http.StatusMethodNotAllowed},
	{errNeedsIfMatch, http.StatusPreconditionRequired},
	{auth.ErrThrottled, http.StatusTooManyRequests},
	{collections.ErrNotFound, http.StatusNotFound},
	{collections.ErrInvalid, http.StatusBadRequest},
	{collections.ErrForbidden, http.StatusForbidden},
	{collections.ErrPrecondition, http.StatusPreconditionFailed},
	{collections.ErrPreconditionRequired, http.StatusPreconditionRequired},
	{collections.ErrNotAllowed, http.StatusUnprocessableEntity},
}

// statusOf is the HTTP status for err: 500 for anything unexpected.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// fail answers err as JSON. Server faults are logged with their detail and
// answered without it.
func (s *Server) fail(c *gin.Context, err error) {
	status := statusOf(err)
	msg := err.Error()
	if errors.Is(err, assets.ErrNotFound) {
		msg = "not found" // the store's message names its keys
	}
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		msg = "internal error; it was logged"
	}
	if (status == http.StatusUnauthorized || status == http.StatusForbidden) && !c.GetBool(ctxAudited) {
		action := "denied"
		if errors.Is(err, errCSRF) {
			action = "denied.csrf"
		}
		path := c.Request.URL.Path
		if len(path) > 200 {
			path = strings.ToValidUTF8(path[:200], "") + "…"
		}
		s.recordRefusal(c, action, c.Request.Method+" "+path, fmt.Sprintf("%d %s", status, msg))
	}
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		c.Header("Retry-After", strconv.Itoa(int(te.RetryAfter.Seconds())+1))
	}
	c.AbortWithStatusJSON(status, apiError{Error: msg, Status: status})
}
