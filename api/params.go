package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/internal/office"
)

// bindJSON decodes a JSON body of at most limit bytes into v, refusing
// unknown fields so that a typo is an error, not a silent no-op.
func (s *Server) bindJSON(c *gin.Context, v any, limit int64) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return errUnsupportedCT
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		if errors.Is(err, io.EOF) {
			return badRequest("a JSON body is required")
		}
		return badRequest("body: %v", err)
	}
	if dec.More() {
		return badRequest("body: one JSON object expected")
	}
	return nil
}

// intParam reads an integer query parameter within [lo, hi].
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("%s=%q: want a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// pageParams reads the page (from 1) and the size of a page of results,
// defSize by default and at most maxSize.
func pageParams(c *gin.Context, defSize, maxSize int) (page, size int, err error) {
	if page, err = intParam(c, "page", 1, 1, 100000); err != nil {
		return 0, 0, err
	}
	if size, err = intParam(c, "size", defSize, 1, maxSize); err != nil {
		return 0, 0, err
	}
	return page, size, nil
}

// period reads the from and to query parameters: dates (2006-01-02, whole
// days in the office's zone, to inclusive) or RFC 3339 times; by default
// the last days days. It spans at most a year.
func (s *Server) period(c *gin.Context, days int) (from, to time.Time, err error) {
	from, to, err = office.ParsePeriod(c.Query("from"), c.Query("to"), days, s.Now(), s.Zone)
	if err != nil {
		return from, to, badRequest("%v", err)
	}
	if !from.Before(to) || to.Sub(from) > 366*24*time.Hour {
		return from, to, badRequest("from..to must run forwards and span at most a year")
	}
	return from, to, nil
}

// boolParam reads 1/true/yes as true.
func boolParam(c *gin.Context, name string) bool {
	switch strings.ToLower(c.Query(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// etagOf quotes an ETag for the header, as HTTP wants.
func etagOf(etag string) string {
	if strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}

// ifMatch reads the If-Match header without its quotes.
func ifMatch(c *gin.Context) string {
	return strings.Trim(strings.TrimPrefix(c.GetHeader("If-Match"), "W/"), `"`)
}
