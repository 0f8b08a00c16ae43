package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/channels"
)

// cropAnswer is the frame of one aspect as it now applies: the one stored
// (fitted to the aspect, with who and when) or, after a DELETE, the
// default one.
type cropAnswer struct {
	Aspect string `json:"aspect"`
	assets.Rect
	By      string     `json:"by,omitempty"`
	At      *time.Time `json:"at,omitempty"`
	Default bool       `json:"default"`
}

// putCrop stores the frame a person chose for one aspect ratio ("4:5"),
// in the coordinates of the upright picture; every channel of that shape
// posts it.
func (s *Server) putCrop(c *gin.Context) {
	var body struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
		W *float64 `json:"w"`
		H *float64 `json:"h"`
	}
	if err := s.bindJSON(c, &body, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	if body.X == nil || body.Y == nil || body.W == nil || body.H == nil {
		s.fail(c, badRequest("want x, y, w and h: the frame as fractions 0..1 of the upright picture"))
		return
	}
	r := assets.Rect{X: *body.X, Y: *body.Y, W: *body.W, H: *body.H}
	aspect := c.Param("aspect")
	u, _ := userOf(c)
	s.editFrame(c, "crop "+aspect, func(a *assets.Asset) error {
		_, err := channels.SetCrop(a, aspect, r, u.Name, s.Now().UTC())
		return err
	}, func(a *assets.Asset) any { return cropOf(a, aspect) })
}

// deleteCrop forgets the frame chosen for one aspect: the default crop
// (centred, or around the focus point) applies again.
func (s *Server) deleteCrop(c *gin.Context) {
	aspect := c.Param("aspect")
	s.editFrame(c, "crop "+aspect+" removed", func(a *assets.Asset) error {
		return channels.ClearCrop(a, aspect)
	}, func(a *assets.Asset) any { return cropOf(a, aspect) })
}

// putFocus stores the point default crops centre on. It answers the
// focus as stored; DELETE answers null.
func (s *Server) putFocus(c *gin.Context) {
	var body struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
	}
	if err := s.bindJSON(c, &body, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	if body.X == nil || body.Y == nil {
		s.fail(c, badRequest("want x and y: the point as fractions 0..1 of the upright picture"))
		return
	}
	u, _ := userOf(c)
	s.editFrame(c, "focus", func(a *assets.Asset) error {
		return channels.SetFocus(a, *body.X, *body.Y, u.Name, s.Now().UTC())
	}, func(a *assets.Asset) any { return a.Focus })
}

// deleteFocus forgets the focus point: default crops centre again.
func (s *Server) deleteFocus(c *gin.Context) {
	s.editFrame(c, "focus removed", func(a *assets.Asset) error {
		a.Focus = nil
		return nil
	}, func(a *assets.Asset) any { return a.Focus })
}

// cropOf is the answer for aspect on a: its frame as it now applies.
func cropOf(a *assets.Asset, aspect string) cropAnswer {
	as, _ := channels.ParseAspect(aspect) // checked by the change
	out := cropAnswer{Aspect: as.String(), Rect: as.Frame(a), Default: true}
	if cr, ok := a.Crops[as.String()]; ok {
		out.By, out.At, out.Default = cr.By, &cr.At, false
	}
	return out
}

// editFrame applies change to the asset's record through UpdateRecord
// (If-Match honoured when sent, as in patchAsset), audits it as an edit
// with detail, and answers what answer makes of the new record, with its
// ETag. A change that refuses the input is a 400 with its reason.
func (s *Server) editFrame(c *gin.Context, detail string, change func(*assets.Asset) error, answer func(*assets.Asset) any) {
	id, ok := s.assetID(c)
	if !ok {
		return
	}
	var refused error
	up, err := assets.UpdateRecord(c.Request.Context(), s.Store, assets.RecordKey(id), assets.UpdateOptions{IfMatch: ifMatch(c)}, func(a *assets.Asset) error {
		if err := change(a); err != nil {
			refused = err
			return err
		}
		return nil
	})
	switch {
	case refused != nil:
		s.fail(c, badRequest("%v", refused))
		return
	case errors.Is(err, assets.ErrPrecondition):
		s.fail(c, errPrecondition) // the detail names store keys
		return
	case err != nil:
		s.fail(c, fmt.Errorf("edit frame of %s: %w", id, err))
		return
	}
	s.record(c, "asset.edit", "asset/"+id, detail)
	c.Header("ETag", etagOf(up.ETag))
	c.JSON(http.StatusOK, answer(up.Record))
}
