package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

// editedField is one editable value with who last changed it.
type editedField struct {
	Name  string
	Value string
	By    string
	At    time.Time
	List  bool
}

type assetData struct {
	Asset       *assets.Asset
	Meta        assets.Metadata
	Fields      []editedField
	Collections []*collections.Collection
	Camera      string
	Exposure    string
	Q           string
	Prev, Next  string // URLs
	Pos         int
	// PW and PH are the preview's size, upright, for the img box.
	PW, PH int
	// Original: this user may have the original (download, play); the
	// coverages it is filed into decide, as they do for the API.
	Original bool
}

// editFields are the editable fields (assets.EditableFields) the asset
// page shows, in its order.
var editFields = []string{"caption", "headline", "keywords", "people", "place", "city", "creator", "credit", "copyright"}

func (s *site) assetPage(c *gin.Context, v *view) error {
	id := c.Param("id")
	if err := assets.ValidID(id); err != nil {
		return fmt.Errorf("asset %q: %w", id, errNotFound)
	}
	ctx := c.Request.Context()
	a, _, err := assets.ReadRecord(ctx, s.Store, id)
	if err != nil {
		return fmt.Errorf("asset page: %w", err)
	}
	m := a.Effective()
	d := assetData{Asset: a, Meta: m, Camera: strings.TrimSpace(m.Make + " " + m.Model), Q: c.Query("q")}
	d.PW, d.PH = 1600, 1200
	if r, ok := a.Renditions[assets.Preview]; ok && r.Width > 0 && r.Height > 0 {
		d.PW, d.PH = r.Width, r.Height
	}
	if strings.HasPrefix(strings.ToLower(m.Model), strings.ToLower(m.Make)) {
		d.Camera = m.Model
	}
	if m.ExposureTime > 0 {
		if m.ExposureTime < 1 {
			d.Exposure = "1/" + strconv.Itoa(int(1/m.ExposureTime+0.5)) + " s"
		} else {
			d.Exposure = strconv.FormatFloat(m.ExposureTime, 'f', -1, 64) + " s"
		}
	}
	for _, f := range editFields {
		ef := editedField{Name: f, Value: m.FieldText(f), List: assets.IsListField(f)}
		if e, ok := a.Edits[f]; ok {
			ef.By, ef.At = e.By, e.At
		}
		d.Fields = append(d.Fields, ef)
	}
	switch err := s.Collections.MayDownload(ctx, actor(v.User), a.Collections); {
	case err == nil:
		d.Original = v.May(auth.ActionAssetDownload)
	case !errors.Is(err, collections.ErrForbidden):
		return fmt.Errorf("asset page %s: %w", id, err)
	}
	cols, err := s.Collections.List(ctx)
	if err != nil {
		return err
	}
	for _, col := range cols {
		if col.ID == a.Collection || slices.Contains(col.Material, a.ID) {
			d.Collections = append(d.Collections, col)
		}
	}
	// Next and previous follow the search the editor came from.
	if pos, err := strconv.Atoi(c.Query("pos")); err == nil && pos >= 1 {
		d.Pos = pos
		q := c.Query("q")
		// The status and agency filters of the search came along too.
		scope := collectionScope(cols, c.Query(paramStatus), c.Query(paramAgency))
		neighbour := func(p int) string {
			if p < 1 {
				return ""
			}
			res, err := s.Index.Search(ctx, search.Request{Query: q, Sort: c.Query("sort"), Page: p, Size: 1, Collections: scope})
			if err != nil || len(res.Hits) == 0 {
				return ""
			}
			nv := url.Values{"q": {q}, "sort": {c.Query("sort")}, "pos": {strconv.Itoa(p)}}
			for _, k := range []string{paramStatus, paramAgency} {
				if x := c.Query(k); x != "" {
					nv.Set(k, x)
				}
			}
			return "/aset/" + res.Hits[0].ID + "?" + nv.Encode()
		}
		d.Prev, d.Next = neighbour(pos-1), neighbour(pos+1)
	}
	v.Title, v.Nav, v.Data = a.FileName, "search", d
	s.render(c, http.StatusOK, "asset", v)
	return nil
}
