package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/shares"
)

// sharePage is what a share link opens, without login, in Bahasa
// Indonesia: the shared media with a download of each and of all. The
// downloads are the API's (/api/v1/shared/<token>/…), which audit them.
// An expired or revoked link answers 410, an unknown one 404.
func (s *site) sharePage(c *gin.Context) {
	lang := auth.LangIndonesian
	v := &view{Lang: lang, Version: s.version, Path: c.Request.URL.Path, policy: s.Policy, Messages: s.cat.scripts(lang)}
	type shareView struct {
		Gone      bool
		Title     string
		Channel   string
		ExpiresAt time.Time
		Base      string
		Assets    []*assets.Asset
	}
	token := c.Param("token")
	o, err := s.Shares.Open(c.Request.Context(), token, s.Collections)
	switch {
	case errors.Is(err, shares.ErrGone):
		v.Title, v.Data = s.cat.text(lang, "share.gone"), shareView{Gone: true}
		s.render(c, http.StatusGone, "share", v)
		return
	case errors.Is(err, shares.ErrNotFound):
		v.Title, v.Data = s.cat.text(lang, "share.notfound"), shareView{Gone: true}
		s.render(c, http.StatusNotFound, "share", v)
		return
	case err != nil:
		s.fail(c, v, err)
		return
	}
	v.Title = s.cat.text(lang, "share.title") + ": " + o.Collection.Title
	v.Data = shareView{Title: o.Collection.Title, Channel: o.Channel, ExpiresAt: o.ExpiresAt,
		Base: "/api/v1/shared/" + token, Assets: o.Assets}
	s.render(c, http.StatusOK, "share", v)
}
