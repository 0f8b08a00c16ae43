package api

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/ingest"
)

func (s *Server) listIngests(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"ingests": s.jobsFor(c, s.Jobs.List())})
}

func (s *Server) getIngest(c *gin.Context) {
	j, ok := s.Jobs.Get(c.Param("id"))
	if !ok {
		s.fail(c, fmt.Errorf("ingest %s: %w", c.Param("id"), errNotFound))
		return
	}
	c.JSON(http.StatusOK, s.jobFor(c, j))
}

// ingestEvents streams every change of every job as server-sent events:
// first the jobs as they are, then each change, with a comment every 15 s
// so that proxies keep the connection open.
func (s *Server) ingestEvents(c *gin.Context) {
	updates, cancel := s.Jobs.Subscribe()
	defer cancel()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	for _, j := range s.jobsFor(c, s.Jobs.List()) {
		c.SSEvent("ingest", j)
	}
	c.Writer.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case j := <-updates:
			c.SSEvent("ingest", s.jobFor(c, j))
			c.Writer.Flush()
		case <-tick.C:
			if _, err := io.WriteString(c.Writer, ": keep-alive\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		}
	}
}

// upload streams the files of a multipart form to a spool folder, one at a
// time and never whole in memory, then starts an ingest job over them.
// Client file names are never used as paths: each file is saved as a
// numbered folder holding a cleaned base name, kept only so the record
// shows the camera's name. Retrying an upload is safe: the bank keeps one
// copy of any bytes.
func (s *Server) upload(c *gin.Context) {
	u, _ := userOf(c)
	slowBodyOK(c.Request)
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.MaxUpload)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.fail(c, badRequest("want multipart/form-data: %v", err))
		return
	}
	if err := os.MkdirAll(s.UploadDir, 0o750); err != nil {
		s.fail(c, fmt.Errorf("upload: %w", err))
		return
	}
	spool, err := os.MkdirTemp(s.UploadDir, "upload-")
	if err != nil {
		s.fail(c, fmt.Errorf("upload: %w", err))
		return
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(spool)
		}
	}()

	collection, files, err := s.readUploadForm(c, mr, spool)
	if err != nil {
		s.fail(c, err)
		return
	}
	keep = true
	job := s.Jobs.Start(s.Background, ingest.JobSpec{
		Kind:       "upload",
		Roots:      []string{spool},
		Collection: collection,
		User:       u.Name,
		OnAsset:    s.filer().OnAsset(s.Background, collection),
		Done: func(*ingest.Report, error) {
			os.RemoveAll(spool)
		},
	})
	detail := fmt.Sprintf("%d files", files)
	if collection != "" {
		detail += " into collection " + collection
	}
	s.record(c, "upload", "ingest/"+job.ID, detail)
	c.JSON(http.StatusAccepted, s.jobFor(c, job))
}

// readUploadForm spools the files of an upload form into spool and
// returns the collection named and how many files came.
func (s *Server) readUploadForm(c *gin.Context, mr *multipart.Reader, spool string) (collection string, files int, _ error) {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", 0, badRequest("reading the form: %v", err)
		}
		switch part.FormName() {
		case "collection":
			v, err := io.ReadAll(io.LimitReader(part, 200))
			if err != nil {
				return "", 0, badRequest("collection: %v", err)
			}
			collection = strings.TrimSpace(string(v))
			// Sent before the files, a wrong collection is refused before
			// any bytes are spooled.
			if collection == "" {
				continue
			}
			if err := s.checkCollection(c, collection); err != nil {
				return "", 0, err
			}
		case "files", "file":
			if files++; files > s.MaxParts {
				return "", 0, badRequest("at most %d files per request", s.MaxParts)
			}
			if err := saveUpload(part, spool, files); err != nil {
				return "", 0, err
			}
		default:
			return "", 0, badRequest("unknown form field %q: send files and, optionally, collection", part.FormName())
		}
	}
	if files == 0 {
		return "", 0, badRequest("no files: send them in the form field \"files\"")
	}
	return collection, files, nil
}

// saveUpload writes one part into the spool folder under its cleaned
// name, so that a RAW finds its JPEG twin and its XMP sidecar as on a
// card; a name already taken in this upload goes into a numbered folder.
func saveUpload(part *multipart.Part, spool string, n int) error {
	name := cleanName(part.FileName())
	if name == "" {
		return badRequest("file %d has no usable name", n)
	}
	if _, _, ok := assets.KindOf(name); !ok && !assets.IsSidecar(name) {
		return badRequest("%s: not a photo, video, audio recording or PDF", name)
	}
	f, err := os.OpenFile(filepath.Join(spool, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if errors.Is(err, fs.ErrExist) {
		dir := filepath.Join(spool, fmt.Sprint(n))
		if err := os.Mkdir(dir, 0o750); err != nil {
			return fmt.Errorf("upload %s: %w", name, err)
		}
		f, err = os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return badRequest("upload %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	return nil
}

// cleanName keeps the last element of a client's file name, without
// separators, control characters or a leading dot, at most 200 bytes.
func cleanName(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == ':' || r == 0 {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	return name
}
