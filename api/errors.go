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
	"mediabank/internal/derrors"
)

// errBadRequest marks input the client got wrong; its message says what.
var errBadRequest = derrors.New(derrors.Invalid, "bad request")

// badRequest makes an error that answers 400 with this message.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// The API's own errors, each of a kind that derrors.Status maps to the
// status, as it maps the domain's.
var (
	errUnauthorized  = derrors.New(derrors.Unauthorized, "log in first")
	errForbidden     = derrors.New(derrors.Forbidden, "your role may not do this")
	errCSRF          = derrors.New(derrors.Forbidden, "missing or wrong X-CSRF-Token header")
	errNotFound      = derrors.New(derrors.NotFound, "not found")
	errTooLarge      = derrors.New(derrors.TooLarge, "request body too large")
	errNeedsIfMatch  = derrors.New(derrors.PreconditionRequired, "If-Match header required: read the resource first and send its ETag")
	errPrecondition  = derrors.New(derrors.Precondition, "changed by someone else since you read it: reload and try again")
	errUnsupportedCT = derrors.New(derrors.Unsupported, "unsupported content type")
	errMethod        = errors.New("method not allowed")
)

// statusOf is the HTTP status for err: 500 for anything unexpected.
func statusOf(err error) int {
	if errors.Is(err, errMethod) {
		return http.StatusMethodNotAllowed // a fault of the route, not of a domain
	}
	return derrors.Status(err)
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
