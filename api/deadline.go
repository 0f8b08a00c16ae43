package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// bodyDeadline gives every request that has a body BodyTimeout to send
// it, as a read deadline on the connection; the deadline is lifted once
// the body is read, so a long answer (a ZIP, an original) is not cut off
// when the server reads ahead on the connection. The server itself has
// no ReadTimeout, which would also end uploads that take long.
func (s *Server) bodyDeadline(c *gin.Context) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		c.Next()
		return
	}
	rc := http.NewResponseController(c.Writer)
	if err := rc.SetReadDeadline(time.Now().Add(s.BodyTimeout)); err != nil {
		// A writer without deadlines (tests' recorders): nothing to bound.
		c.Next()
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: s.BodyTimeout, left: r.ContentLength}
	c.Next()
}

// deadlineBody lifts the read deadline at the end of the body; between
// reads instead (perRead) it pushes the deadline on with each read that
// brought bytes.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	left    int64 // bytes still announced, -1 when unknown (chunked)
	perRead bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	switch {
	case errors.Is(err, io.EOF) || b.left == 0:
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0 && b.perRead:
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// slowBodyOK lets a long upload that keeps sending live past BodyTimeout:
// the deadline then bounds the wait between reads, not the whole body.
func slowBodyOK(r *http.Request) {
	if b, ok := r.Body.(*deadlineBody); ok {
		b.perRead = true
	}
}
