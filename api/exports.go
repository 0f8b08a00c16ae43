package api

import (
	"archive/zip"
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
)

// listChannels answers the channel presets.
func (s *Server) listChannels(c *gin.Context) {
	c.JSON(http.StatusOK, s.Channels.Presets.List())
}

type exportBody struct {
	Channel string   `json:"channel"`
	Assets  []string `json:"assets"`
}

// exportCollection streams a ZIP of an approved coverage's picks (or the
// assets asked for, from its material) made for one channel, named
// YYYYMMDD-<slug>-NN.jpg, and records the export in the coverage.
func (s *Server) exportCollection(c *gin.Context) {
	var body exportBody
	if err := s.bindJSON(c, &body, 64<<10); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if _, err := s.Channels.Presets.Get(body.Channel); err != nil {
		s.fail(c, err)
		return
	}
	col, err := s.Collections.Exportable(ctx, c.Param("id"), "export")
	if err != nil {
		s.fail(c, err)
		return
	}
	ids := col.Picks
	if len(body.Assets) > 0 {
		if ids, err = zipIDs(body.Assets); err != nil {
			s.fail(c, err)
			return
		}
		for _, id := range ids {
			if !slices.Contains(col.Material, id) {
				s.fail(c, badRequest("assets: %s is not material of coverage %s", id, col.ID))
				return
			}
		}
	}
	if len(ids) == 0 {
		s.fail(c, badRequest("coverage %s has no picks to export: pick media first or name the assets", col.ID))
		return
	}
	recs, err := s.readRecords(ctx, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	name := col.ExportStem(s.Zone) + "-" + body.Channel + ".zip"
	s.sendZip(c, name, len(recs), func(zw *zip.Writer, i int) error {
		if err := s.zipChannel(ctx, zw, recs[i], body.Channel, col.ExportName(i+1, s.Zone)); err != nil {
			return err
		}
		if i == len(recs)-1 {
			// Recorded once every picture is in, before the ZIP's end is
			// written: a client holding the whole ZIP then finds the
			// export in the coverage (and its new ETag).
			s.recordExport(c, col.ID, body.Channel, ids)
		}
		return nil
	})
}

// recordExport audits an export and notes it in the coverage's history.
func (s *Server) recordExport(c *gin.Context, col, channel string, ids []string) {
	s.record(c, "collection.export", "collection/"+col, channel+": "+strings.Join(ids, ","))
	if err := s.Collections.RecordExport(context.WithoutCancel(c.Request.Context()), actor(c), col, channel, ids); err != nil {
		s.log.Error("export sent but not recorded in the coverage", "collection", col, "channel", channel, "err", err)
	}
}

// assetChannel answers one asset's picture for one channel, to whoever
// may download its original.
func (s *Server) assetChannel(c *gin.Context) {
	a, _, ok := s.loadAsset(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.Collections.MayDownload(ctx, actor(c), a.Collections); err != nil {
		s.fail(c, err)
		return
	}
	ch := c.Param("channel")
	s.sendChannelFile(c, a, ch, func() { s.record(c, "asset.download", "asset/"+a.ID, "channel "+ch) })
}

// sendChannelFile renders a for channel and answers it as a download;
// audit records it once the picture is made.
func (s *Server) sendChannelFile(c *gin.Context, a *assets.Asset, channel string, audit func()) {
	f, err := s.Channels.Render(c.Request.Context(), a, channel)
	if err != nil {
		s.fail(c, err)
		return
	}
	audit()
	stem := strings.TrimSuffix(downloadName(a.FileName), path.Ext(a.FileName))
	if stem == "" {
		stem = a.ID[:12]
	}
	h := c.Writer.Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": stem + "-" + channel + ".jpg"}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "image/jpeg", f.Data)
}

// readRecords reads the records of ids, in order, before anything is
// sent, so an unknown id is a clean 404.
func (s *Server) readRecords(ctx context.Context, ids []string) ([]*assets.Asset, error) {
	recs := make([]*assets.Asset, len(ids))
	for i, id := range ids {
		var err error
		if recs[i], _, err = assets.ReadRecord(ctx, s.Store, id); err != nil {
			return nil, fmt.Errorf("read asset %s: %w", id, err)
		}
	}
	return recs, nil
}

// zipChannel adds a's picture for channel to the archive under name. The
// picture is made before its entry starts, so a failure on the first one
// is still a clean error answer (see sendZip).
func (s *Server) zipChannel(ctx context.Context, zw *zip.Writer, a *assets.Asset, channel, name string) error {
	f, err := s.Channels.Render(ctx, a, channel)
	if err != nil {
		return err
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: zipTime(a)})
	if err != nil {
		return fmt.Errorf("zip %s: entry: %w", a.ID, err)
	}
	if _, err := w.Write(f.Data); err != nil {
		return fmt.Errorf("zip %s: write: %w", a.ID, err)
	}
	return nil
}

// sendZip answers a ZIP of n entries, each added by add. Nothing is sent
// before the first entry is written: an error before then is answered as
// an error; after it, the connection is broken off, so the client sees a
// failed download rather than a ZIP that quietly lacks files. It reports
// whether the whole ZIP went out.
func (s *Server) sendZip(c *gin.Context, name string, n int, add func(zw *zip.Writer, i int) error) bool {
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	zw := zip.NewWriter(c.Writer)
	for i := range n {
		err := add(zw, i)
		if err == nil {
			continue
		}
		if !c.Writer.Written() {
			h.Del("Content-Disposition")
			s.fail(c, fmt.Errorf("zip entry %d of %d: %w", i+1, n, err))
			return false
		}
		// The status is sent; the only honest signal left is to break the
		// connection, so the client sees a failed download rather than a
		// ZIP that quietly lacks files.
		s.log.ErrorContext(c.Request.Context(), "zip download broken off", "zip", name, "entry", strconv.Itoa(i+1), "err", err)
		panic(http.ErrAbortHandler)
	}
	if err := zw.Close(); err != nil {
		s.log.ErrorContext(c.Request.Context(), "zip download: finish", "zip", name, "err", err)
		panic(http.ErrAbortHandler)
	}
	return true
}
