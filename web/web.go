// Package web is the bank as the office uses it: server-rendered pages in
// Bahasa Indonesia first (English on request), on the same gin engine as
// the JSON API. Pages read through the same services the API uses; every
// change a page offers is a fetch to the API, so the API's checks (policy,
// CSRF, If-Match) are the only ones that decide. The pages only leave out
// what a role may not do, by asking the same policy table.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/filing"
	"mediabank/ingest"
	"mediabank/internal/defaults"
	"mediabank/internal/derrors"
	"mediabank/internal/office"
	"mediabank/search"
	"mediabank/shares"
)

//go:embed templates/*.html static/* messages/*.json
var files embed.FS

// Authenticator finds who sent a request; *api.Server is one, so the
// pages and the API share one login.
type Authenticator interface {
	Authenticate(r *http.Request) (*auth.User, *auth.Session, error)
}

// Searcher is the index as the pages use it.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	filing.Searcher
}

// Deps is what the pages are served from; the command wires it from the
// same values it gives the API.
type Deps struct {
	Auth        Authenticator
	Policy      auth.Policy
	Index       Searcher
	Store       assets.Store
	Collections *collections.Service
	Jobs        *ingest.Jobs
	Users       *auth.Users
	// Shares opens share links (/bagikan/<token>); nil serves none.
	Shares *shares.Service
	// Channels are the presets the Publikasi panel offers.
	Channels channels.Presets
	// Zone is the office's zone for dates on the pages (WIB by default).
	Zone   *time.Location
	Logger *slog.Logger
	Now    func() time.Time
}

// site is the pages: the parsed templates of each language and the
// catalogues, built once in Register and read-only afterwards.
type site struct {
	Deps
	log     *slog.Logger
	pages   map[string]map[string]*template.Template // language -> page -> template
	cat     catalogues
	static  fs.FS
	version string // hash of the static files, for cache busting
}

// Page names: each is templates/<name>.html over templates/layout.html.
var pageNames = []string{"login", "dashboard", "search", "asset", "collection", "collections", "report", "users", "error", "share"}

// Register adds the pages to e: "/" sends to the dashboard or the login
// page, /static/ serves the embedded CSS and JavaScript.
func Register(e *gin.Engine, d Deps) error {
	if d.Auth == nil || d.Index == nil || d.Store == nil || d.Collections == nil || d.Jobs == nil || d.Users == nil {
		return errors.New("web: register: Auth, Index, Store, Collections, Jobs and Users are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	d.Now = defaults.Clock(d.Now)
	if d.Zone == nil {
		d.Zone = office.Zone()
	}
	s, err := newSite(d)
	if err != nil {
		return err
	}
	s.routes(e)
	return nil
}

func newSite(d Deps) (*site, error) {
	cat, err := loadCatalogues(files)
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s := &site{Deps: d, log: d.Logger, cat: cat, static: static, pages: map[string]map[string]*template.Template{}}
	if s.version, err = hashFS(static); err != nil {
		return nil, err
	}
	for _, lang := range languages {
		s.pages[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New("layout.html").Funcs(s.funcs(lang)).ParseFS(files, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("web: parse %s (%s): %w", name, lang, err)
			}
			s.pages[lang][name] = t
		}
	}
	return s, nil
}

// hashFS is a short hash over every static file, so their URLs change when
// they do and browsers may keep them for a year.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("web: hash static files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func (s *site) routes(e *gin.Engine) {
	e.GET("/", s.root)
	e.GET("/static/*file", s.serveStatic)
	e.GET("/masuk", s.loginPage)
	if s.Shares != nil {
		e.GET("/bagikan/:token", s.sharePage)
	}
	for _, r := range []struct {
		path string
		h    func(*gin.Context, *view) error
	}{
		{"/beranda", s.dashboard},
		{"/cari", s.searchPage},
		{"/aset/:id", s.assetPage},
		{"/liputan", s.collectionsPage},
		{"/liputan/:id", s.collectionPage},
		{"/laporan", s.reportPage},
		{"/pengguna", s.usersPage},
	} {
		e.GET(r.path, s.page(r.h))
	}
}

// root sends a browser to its dashboard, or to the login page first.
func (s *site) root(c *gin.Context) {
	if _, _, err := s.Auth.Authenticate(c.Request); err != nil {
		c.Redirect(http.StatusSeeOther, "/masuk")
		return
	}
	c.Redirect(http.StatusSeeOther, "/beranda")
}

func (s *site) serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	if _, err := fs.Stat(s.static, name); err != nil || name == "." {
		c.Status(http.StatusNotFound)
		return
	}
	if c.Query("v") == s.version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.FileFromFS(name, http.FS(s.static))
}

// view is what every page template gets: who is looking, in which
// language, what they may do, and the page's own data.
type view struct {
	Lang    string
	Title   string
	Nav     string
	User    *auth.User
	CSRF    string
	Version string
	Path    string
	// Messages are the catalogue entries the page's JavaScript shows.
	Messages map[string]string
	Data     any

	policy auth.Policy
}

// May tells whether the user's role may take a policy action; a
// delegated decision counts as no here, and pages that know the
// collection decide those themselves.
func (v *view) May(action string) bool {
	return v.User != nil && v.policy.Decide(v.User.Role, action) == auth.Allow
}

// page wraps a handler that needs a logged-in user: without one the
// browser goes to the login page and comes back afterwards.
func (s *site) page(h func(*gin.Context, *view) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, sess, err := s.Auth.Authenticate(c.Request)
		if err != nil {
			c.Redirect(http.StatusSeeOther, "/masuk?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			return
		}
		v := &view{Lang: langOf(u.Language), User: u, Version: s.version, Path: c.Request.URL.Path, policy: s.Policy}
		if sess != nil {
			v.CSRF = sess.CSRF
		}
		v.Messages = s.cat.scripts(v.Lang)
		if err := h(c, v); err != nil {
			s.fail(c, v, err)
		}
	}
}

// Errors a handler returns, for the error page.
var (
	errNotFound  = derrors.New(derrors.NotFound, "not found")
	errForbidden = derrors.New(derrors.Forbidden, "forbidden")
)

// fail renders the error page with the status the API would answer.
func (s *site) fail(c *gin.Context, v *view, err error) {
	status := derrors.Status(err)
	key := "error.badrequest"
	switch {
	case status == http.StatusNotFound:
		key = "error.notfound"
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		key = "error.forbidden"
	case status >= http.StatusInternalServerError:
		key = "error.internal"
		s.log.ErrorContext(c.Request.Context(), "page failed", "path", c.Request.URL.Path, "err", err)
	}
	v.Title = s.cat.text(v.Lang, key)
	v.Data = struct{ Status int }{status}
	s.render(c, status, "error", v)
}

// render writes page name to the response. It renders into a buffer first
// so a template error gives a clean 500 rather than half a page.
func (s *site) render(c *gin.Context, status int, name string, v *view) {
	t := s.pages[v.Lang][name]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error; it was logged")
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	// Everything is served from here: no inline scripts or styles, no
	// other origins. A caption that slips past escaping still cannot run.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	c.Status(status)
	_, _ = c.Writer.WriteString(b.String())
}
