package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/renditions"
	"mediabank/search"
)

func (s *Server) searchAssets(c *gin.Context) {
	page, size, err := pageParams(c, search.DefaultSize, search.MaxSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Index.Search(c.Request.Context(), search.Request{Query: c.Query("q"), Facets: boolParam(c, "facets"), Sort: c.Query("sort"), Page: page, Size: size})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// assetResponse is the record as stored plus the values after edits, so a
// client need not apply the edits itself.
type assetResponse struct {
	*assets.Asset
	Effective assets.Metadata `json:"effective"`
}

// assetID is the request's asset id, or false after answering 400.
func (s *Server) assetID(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if err := assets.ValidID(id); err != nil {
		s.fail(c, badRequest("%v", err))
		return "", false
	}
	return id, true
}

func (s *Server) loadAsset(c *gin.Context) (*assets.Asset, string, bool) {
	id, ok := s.assetID(c)
	if !ok {
		return nil, "", false
	}
	a, etag, err := assets.ReadRecord(c.Request.Context(), s.Store, id)
	if err != nil {
		s.fail(c, err)
		return nil, "", false
	}
	return a, etag, true
}

func (s *Server) getAsset(c *gin.Context) {
	a, etag, ok := s.loadAsset(c)
	if !ok {
		return
	}
	c.Header("ETag", etagOf(etag))
	c.JSON(http.StatusOK, assetResponse{Asset: s.assetFor(c, a), Effective: a.Effective()})
}

// patchAsset records people's edits. Each value keeps who set it and when,
// and a re-scan of the file never touches them. A null value removes an
// edit, bringing back what the file says. If-Match is honoured when sent;
// without it the change is applied to the latest record.
func (s *Server) patchAsset(c *gin.Context) {
	var body map[string]any
	if err := s.bindJSON(c, &body, 64<<10); err != nil {
		s.fail(c, err)
		return
	}
	fields := assets.EditableFields()
	for k, v := range body {
		if !slices.Contains(fields, k) {
			s.fail(c, badRequest("%q cannot be edited; editable: %s", k, strings.Join(fields, ", ")))
			return
		}
		if err := checkEdit(k, v); err != nil {
			s.fail(c, err)
			return
		}
	}
	if len(body) == 0 {
		s.fail(c, badRequest("nothing to change"))
		return
	}
	u, _ := userOf(c)
	ctx := c.Request.Context()
	id, ok := s.assetID(c)
	if !ok {
		return
	}
	// With If-Match the edit applies to that version only; without, a lost
	// race applies it again to the winner's record.
	up, err := assets.UpdateRecord(ctx, s.Store, assets.RecordKey(id), assets.UpdateOptions{IfMatch: ifMatch(c)}, func(a *assets.Asset) error {
		if a.Edits == nil {
			a.Edits = map[string]assets.Edit{}
		}
		for k, v := range body {
			if v == nil {
				delete(a.Edits, k)
				continue
			}
			a.Edits[k] = assets.Edit{Value: v, By: u.Name, At: s.Now().UTC()}
		}
		return nil
	})
	if errors.Is(err, assets.ErrPrecondition) {
		err = errPrecondition // the detail names store keys
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	a := up.Record
	if err := s.Index.Put(ctx, a); err != nil {
		s.log.Error("index after edit", "id", a.ID, "err", err)
	}
	s.record(c, "asset.edit", "asset/"+a.ID, strings.Join(sortedKeys(body), ","))
	c.Header("ETag", etagOf(up.ETag))
	c.JSON(http.StatusOK, assetResponse{Asset: s.assetFor(c, a), Effective: a.Effective()})
}

// checkEdit checks the type and size of one edited value.
func checkEdit(field string, v any) error {
	const maxText = 4000
	if assets.IsListField(field) {
		if v == nil {
			return nil
		}
		list, ok := v.([]any)
		if !ok || len(list) > 200 {
			return badRequest("%s: want a list of at most 200 words", field)
		}
		for _, x := range list {
			if s, ok := x.(string); !ok || len(s) > 200 {
				return badRequest("%s: each entry must be text of at most 200 bytes", field)
			}
		}
		return nil
	}
	if s, ok := v.(string); v != nil && (!ok || len(s) > maxText) {
		return badRequest("%s: want text of at most %d bytes", field, maxText)
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rendition serves a thumbnail or preview, making it first if it is
// missing (renditions can always be regenerated from the original). A
// file whose renditions failed (its record says why) gets its type icon,
// which the pages show like any thumbnail, without decoding it again.
func (s *Server) rendition(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, _, ok := s.loadAsset(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		r, has := a.Renditions[name]
		if !has || s.missing(c, r.Key) {
			if a.RenditionFailure != nil {
				s.typeIcon(c, a)
				return
			}
			if s.Render == nil {
				s.fail(c, fmt.Errorf("no %s for %s: %w", name, a.ID, errNotFound))
				return
			}
			if _, err := ingest.MakeRenditions(ctx, s.Store, s.Render, a); errors.Is(err, renditions.ErrUnusable) {
				s.typeIcon(c, a)
				return
			} else if err != nil {
				s.fail(c, fmt.Errorf("make %s of %s: %w", name, a.ID, err))
				return
			}
			fresh, _, err := assets.ReadRecord(ctx, s.Store, a.ID)
			if err != nil {
				s.fail(c, err)
				return
			}
			if r, has = fresh.Renditions[name]; !has {
				s.fail(c, fmt.Errorf("no %s for %s: %w", name, a.ID, errNotFound))
				return
			}
		}
		s.serveObject(c, r.Key, r.MIME, "", a.ID+"-"+name)
	}
}

// typeIcon answers with the type icon of a whose renditions failed. It is
// not to be kept: `mediabank renditions` may make the real ones later.
func (s *Server) typeIcon(c *gin.Context, a *assets.Asset) {
	icon, err := renditions.Icon(a.FileName, a.Meta.Kind)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, icon.MIME, icon.Data)
}

func (s *Server) missing(c *gin.Context, key string) bool {
	_, err := s.Store.Stat(c.Request.Context(), key)
	return errors.Is(err, assets.ErrNotFound)
}

// original streams the original under its camera file name.
func (s *Server) original(c *gin.Context) {
	a, _, ok := s.loadAsset(c)
	if !ok {
		return
	}
	if err := s.Collections.MayDownload(c.Request.Context(), actor(c), a.Collections); err != nil {
		s.fail(c, err)
		return
	}
	s.record(c, "asset.download", "asset/"+a.ID, "")
	s.serveObject(c, a.Original, a.Meta.MIME, a.FileName, a.ID)
}

// serveObject streams an object with range requests and caching headers.
// Originals and renditions are named by content, so they never change
// under their URL: clients may keep them.
func (s *Server) serveObject(c *gin.Context, key, contentType, name, etag string) {
	rd, obj, err := s.Store.Get(c.Request.Context(), key)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rd.Close()
	if contentType == "" {
		contentType = obj.ContentType
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", etagOf(etag))
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	if name != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(name)}))
	}
	// Many small ranges make a multipart answer many times the file's
	// size: past maxRanges the whole file is sent instead.
	if rg := c.Request.Header.Get("Range"); strings.Count(rg, ",") >= maxRanges {
		c.Request.Header.Del("Range")
	}
	http.ServeContent(c.Writer, c.Request, "", modTime(obj), rd)
}

// maxRanges is the most byte ranges one request is served in parts.
const maxRanges = 16

func modTime(o assets.Object) time.Time {
	if o.ModTime.IsZero() {
		return time.Unix(0, 0)
	}
	return o.ModTime
}
