package web

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"mediabank/auth"
)

// langCookie keeps the language chosen before logging in; afterwards the
// user's own setting decides.
const langCookie = "mediabank_lang"

// localPath accepts only a path on this site as a place to go after login,
// so a crafted link cannot send someone elsewhere. It judges the value as
// a browser will read it: browsers drop tabs and newlines from a URL and
// read '\' as '/', so "/\t/evil" and "/\\evil" are "//evil", another
// site. Any control or separator character refuses the value outright;
// the login page and app.js's data-next only ever see what this returns.
func localPath(p string) string {
	const home = "/beranda"
	if strings.IndexFunc(p, func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
	}) >= 0 {
		return home
	}
	asRead := strings.ReplaceAll(p, `\`, "/")
	if !strings.HasPrefix(asRead, "/") || strings.HasPrefix(asRead, "//") {
		return home
	}
	return p
}

func (s *site) loginPage(c *gin.Context) {
	next := localPath(c.Query("next"))
	if _, _, err := s.Auth.Authenticate(c.Request); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	lang := auth.LangIndonesian
	if ck, err := c.Cookie(langCookie); err == nil {
		lang = langOf(ck)
	}
	if l := c.Query("lang"); l != "" {
		lang = langOf(l)
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	v := &view{Lang: lang, Version: s.version, Path: "/masuk", policy: s.Policy, Messages: s.cat.scripts(lang)}
	v.Title = s.cat.text(lang, "login.title")
	v.Data = struct{ Next string }{next}
	s.render(c, http.StatusOK, "login", v)
}
