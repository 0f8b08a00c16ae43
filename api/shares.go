package api

import (
	"archive/zip"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/collections"
	"mediabank/shares"
)

// SharePath is where a share link opens (the page, in package web).
const SharePath = "/bagikan/"

type shareBody struct {
	Collection string    `json:"collection"`
	Channel    string    `json:"channel"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// createShare makes a link to an approved coverage's picks for partner
// media. The token is in the answer's url only: the bank keeps its hash.
func (s *Server) createShare(c *gin.Context) {
	var body shareBody
	if err := s.bindJSON(c, &body, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	if err := collections.ValidID(body.Collection); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	col, err := s.Collections.Exportable(ctx, body.Collection, "share")
	if err != nil {
		s.fail(c, err)
		return
	}
	token, sh, err := s.Shares.Create(ctx, actor(c).User, col.ID, body.Channel, col.Picks, body.ExpiresAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.record(c, "collection.share", "collection/"+col.ID, fmt.Sprintf("share %s: %s, %d assets, until %s", sh.ID, sh.Channel, len(sh.Assets), sh.ExpiresAt.Format(time.RFC3339)))
	c.JSON(http.StatusCreated, gin.H{"id": sh.ID, "url": SharePath + token, "share": sh})
}

// revokeShare ends a link at once.
func (s *Server) revokeShare(c *gin.Context) {
	sh, err := s.Shares.Revoke(c.Request.Context(), actor(c).User, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.record(c, "collection.share.revoke", "collection/"+sh.Collection, "share "+sh.ID)
	c.Status(http.StatusNoContent)
}

// listShares answers the links of a coverage, live or not, newest first.
func (s *Server) listShares(c *gin.Context) {
	ctx := c.Request.Context()
	col, _, err := s.Collections.Get(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Shares.List(ctx, col.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if list == nil {
		list = []shares.Share{}
	}
	c.JSON(http.StatusOK, gin.H{"shares": list})
}

// sharedAsset is the asset :id of the share :token, or false when the
// answer has been sent.
func (s *Server) sharedAsset(c *gin.Context) (*shares.Opened, *assets.Asset, bool) {
	sh, err := s.Shares.Open(c.Request.Context(), c.Param("token"), s.Collections)
	if err != nil {
		s.fail(c, err)
		return nil, nil, false
	}
	i := slices.IndexFunc(sh.Assets, func(a *assets.Asset) bool { return a.ID == c.Param("id") })
	if i < 0 {
		s.fail(c, fmt.Errorf("share %s: asset %q: %w", sh.ID, c.Param("id"), errNotFound))
		return nil, nil, false
	}
	return sh, sh.Assets[i], true
}

// sharedThumbnail is the thumbnail of a shared asset, for the share page.
func (s *Server) sharedThumbnail(c *gin.Context) {
	if _, _, ok := s.sharedAsset(c); ok {
		s.rendition(assets.Thumbnail)(c)
	}
}

// sharedFile is one shared asset: its web picture or its original.
func (s *Server) sharedFile(c *gin.Context) {
	sh, a, ok := s.sharedAsset(c)
	if !ok {
		return
	}
	audit := func() { s.record(c, "share.download", "share/"+sh.ID, sh.Channel+" of asset "+a.ID) }
	if sh.Channel == shares.ChannelOriginal {
		audit()
		s.serveObject(c, a.Original, a.Meta.MIME, a.FileName, a.ID)
		return
	}
	s.sendChannelFile(c, a, sh.Channel, audit)
}

// sharedZip is every shared asset in one ZIP: the web pictures named as
// an export, or the originals under their camera file names.
func (s *Server) sharedZip(c *gin.Context) {
	sh, err := s.Shares.Open(c.Request.Context(), c.Param("token"), s.Collections)
	if err != nil {
		s.fail(c, err)
		return
	}
	ch := sh.Channel
	names := zipNames{}
	ok := s.sendZip(c, sh.Collection.ExportStem(s.Zone)+"-"+ch+".zip", len(sh.Assets), func(zw *zip.Writer, i int) error {
		a := sh.Assets[i]
		if ch == shares.ChannelOriginal {
			return s.zipOne(c, zw, a, names.add(a.FileName, a.ID))
		}
		return s.zipChannel(c.Request.Context(), zw, a, ch, sh.Collection.ExportName(i+1, s.Zone))
	})
	if ok {
		s.record(c, "share.download", "share/"+sh.ID, "zip of "+strconv.Itoa(len(sh.Assets))+" "+ch)
	}
}
