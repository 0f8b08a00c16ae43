// Package api is the HTTP API of mediabank under /api/v1: JSON, described
// by the OpenAPI document at /api/v1/openapi.json, every route authorised
// by the one policy table of package auth.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/audit"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/filing"
	"mediabank/ingest"
	"mediabank/internal/defaults"
	"mediabank/internal/office"
	"mediabank/search"
	"mediabank/shares"
)

// Searcher is the index as the API uses it.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	Put(ctx context.Context, as ...*assets.Asset) error
	Count(ctx context.Context) (uint64, error)
	PutCollections(ctx context.Context, cs ...search.Collection) error
	SearchCollections(ctx context.Context, q string, page, size int) ([]string, uint64, error)
}

// Renderer makes renditions on demand when one is missing.
type Renderer = ingest.Renderer

// Deps is everything the API serves from; the command wires it.
type Deps struct {
	Store       assets.Store
	Index       Searcher
	Jobs        *ingest.Jobs
	Render      Renderer
	Users       *auth.Users
	Sessions    *auth.Sessions
	Throttle    *auth.Throttle
	Policy      auth.Policy
	Collections *collections.Service
	Audit       *audit.Log
	// Channels makes channel pictures; give it the Maker of Render, so
	// they count in the one decode budget.
	Channels *channels.Renderer
	Shares   *shares.Service
	// UploadDir holds uploads while they are ingested.
	UploadDir string
	// MaxUpload bounds one upload request (default 8 GiB); MaxParts the
	// files in it (default 1000).
	MaxUpload int64
	MaxParts  int
	// BodyTimeout bounds the reading of a request's body (30 s): a client
	// that announces a body and sends it slowly is cut off. An upload has
	// it between reads instead, so a long upload that keeps going lives.
	BodyTimeout time.Duration
	// SecureCookies marks the session cookie Secure (behind TLS).
	SecureCookies bool
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Background is the context that ingest jobs run under: the server's
	// life, not a request's.
	Background context.Context
	// Zone is the office's time zone, for dates in queries (WIB).
	Zone   *time.Location
	Logger *slog.Logger
	Now    func() time.Time
}

// Server is the API. Build it with New.
type Server struct {
	Deps
	// refusals bounds the audit entries of refused requests and failed
	// logins, which anyone can cause.
	refusals *audit.Limiter
	log      *slog.Logger
	engine   *gin.Engine
	routes   []route
}

// New builds the API's handler.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	d.Now = defaults.Clock(d.Now)
	defaults.Positive(&d.MaxUpload, 8<<30)
	defaults.Positive(&d.MaxParts, 1000)
	defaults.Positive(&d.BodyTimeout, 30*time.Second)
	if d.Background == nil {
		d.Background = context.Background()
	}
	if d.Zone == nil {
		d.Zone = office.Zone()
	}
	s := &Server{Deps: d, log: d.Logger, refusals: audit.NewLimiter(audit.LimiterOptions{Now: d.Now})}
	e := gin.New()
	e.Use(s.recover, s.bodyDeadline)
	e.HandleMethodNotAllowed = true
	e.NoRoute(func(c *gin.Context) { s.fail(c, errNotFound) })
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, fmt.Errorf("%w: %s on %s (see the Allow header)", errMethod, c.Request.Method, c.Request.URL.Path))
	})
	s.routes = s.table()
	for _, r := range s.routes {
		e.Handle(r.method, r.path, s.guard(r), r.handler)
	}
	s.engine = e
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Engine lets the web pages add their routes to the same server.
func (s *Server) Engine() *gin.Engine { return s.engine }

// route is one entry of the API: the method and path, the policy action
// that guards it ("" for public routes, actionSelf for any logged-in
// user), and what the OpenAPI document says of it.
type route struct {
	method, path string
	action       string
	summary      string
	handler      gin.HandlerFunc
}

const actionSelf = "self"

// table is the whole API, in one place: routing, authorisation and the
// OpenAPI document all read it.
func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", "", "Liveness", s.healthz},
		{"GET", "/readyz", "", "Readiness: store and index reachable", s.readyz},
		{"GET", "/api/v1/openapi.json", "", "This document", s.openapi},

		{"POST", "/api/v1/session", "", "Log in with name and password; sets the session cookie", s.login},
		{"DELETE", "/api/v1/session", actionSelf, "Log out", s.logout},
		{"GET", "/api/v1/me", actionSelf, "The logged-in user, with the CSRF token for state-changing requests", s.me},
		{"PATCH", "/api/v1/me", actionSelf, "Change my language or password", s.patchMe},
		{"GET", "/api/v1/me/assignments", actionSelf, "Coverage collections where I am assigned or must act next", s.myAssignments},

		{"GET", "/api/v1/assets", "asset.read", "Search assets (q, facets, sort, page, size)", s.searchAssets},
		{"GET", "/api/v1/assets/:id", "asset.read", "One asset record, with its ETag", s.getAsset},
		{"PATCH", "/api/v1/assets/:id", "asset.edit", "Edit caption, headline, keywords, people, place, city, country, creator, credit, copyright", s.patchAsset},
		{"GET", "/api/v1/assets/:id/thumbnail", "asset.read", "Thumbnail (long edge 320 px)", s.rendition(assets.Thumbnail)},
		{"GET", "/api/v1/assets/:id/preview", "asset.read", "Preview (long edge 1600 px)", s.rendition(assets.Preview)},
		{"PUT", "/api/v1/assets/:id/crops/:aspect", "asset.edit", "Set the frame channels of one aspect ratio (\"4:5\") post ({\"x\", \"y\", \"w\", \"h\"}: fractions 0..1 of the upright picture); answers the frame as stored, fitted to the aspect", s.putCrop},
		{"DELETE", "/api/v1/assets/:id/crops/:aspect", "asset.edit", "Forget the frame of one aspect ratio; answers the default frame that applies again", s.deleteCrop},
		{"PUT", "/api/v1/assets/:id/focus", "asset.edit", "Set the point default crops centre on ({\"x\", \"y\"}: fractions 0..1 of the upright picture)", s.putFocus},
		{"DELETE", "/api/v1/assets/:id/focus", "asset.edit", "Forget the focus point: default crops centre on the picture again", s.deleteFocus},
		{"GET", "/api/v1/assets/:id/original", "asset.download", "The original, under its camera file name, with range requests", s.original},
		{"GET", "/api/v1/assets/:id/channels/:channel", "asset.download", "The asset's picture for a channel: cropped, sized, caption and credit inside, GPS stripped", s.assetChannel},
		{"POST", "/api/v1/assets/zip", "asset.download", "The originals of a selection as one ZIP, streamed ({\"ids\": [...]}, at most 500), each under its camera file name", s.zipOriginals},

		{"POST", "/api/v1/uploads", "upload", "Upload files (multipart/form-data: an optional field collection first, then the files in field files); returns the ingest job", s.upload},
		{"GET", "/api/v1/ingests", "ingest.read", "Ingest jobs, newest first", s.listIngests},
		{"GET", "/api/v1/ingests/events", "ingest.read", "Server-sent events: every change of every ingest job", s.ingestEvents},
		{"GET", "/api/v1/ingests/:id", "ingest.read", "One ingest job: progress, safe to eject, failures", s.getIngest},

		{"POST", "/api/v1/collections", "collection.create", "Create a coverage collection", s.createCollection},
		{"GET", "/api/v1/collections", "collection.read", "List coverage collections (q searches title, agency, place, state, staff)", s.listCollections},
		{"GET", "/api/v1/collections/:id", "collection.read", "One collection, with its ETag", s.getCollection},
		{"PATCH", "/api/v1/collections/:id", "collection.edit", "Change event details, checklist, picks, narrative (If-Match required)", s.patchCollection},
		{"POST", "/api/v1/collections/:id/actions", "collection.read", "Take a workflow action (If-Match required); the action's own policy applies", s.actCollection},
		{"GET", "/api/v1/collections/:id/history", "collection.read", "The steps of the collection with their times against the standard", s.collectionHistory},
		{"GET", "/api/v1/collections/:id/diff", "collection.read", "Line diff between two narrative revisions (from, to)", s.narrativeDiff},
		{"POST", "/api/v1/collections/:id/exports", "collection.export", "An approved coverage's picks (or \"assets\") for a channel as a ZIP, streamed ({\"channel\": ...}); 422 before approval", s.exportCollection},
		{"GET", "/api/v1/collections/:id/shares", "collection.read", "The share links of a coverage, newest first", s.listShares},
		{"GET", "/api/v1/channels", "asset.read", "The channel presets", s.listChannels},
		{"POST", "/api/v1/shares", "collection.share", "Make a share link of an approved coverage's picks ({\"collection\", \"channel\": \"web\"|\"original\", \"expires_at\"}, at most 30 days)", s.createShare},
		{"DELETE", "/api/v1/shares/:id", "collection.share", "Revoke a share link", s.revokeShare},
		{"GET", "/api/v1/shared/:token/assets/:id/thumbnail", "", "Without login: the thumbnail of a shared asset; 410 once the link expired or was revoked", s.sharedThumbnail},
		{"GET", "/api/v1/shared/:token/assets/:id", "", "Without login: one shared asset (audited); 410 once the link expired or was revoked", s.sharedFile},
		{"GET", "/api/v1/shared/:token/zip", "", "Without login: every shared asset as one ZIP (audited); 410 once the link expired or was revoked", s.sharedZip},
		{"GET", "/api/v1/reports/sla", "report.read", "Standard-time report per SOP step (from, to; format=csv for CSV)", s.slaReport},

		{"GET", "/api/v1/users", "user.manage", "List users", s.listUsers},
		{"POST", "/api/v1/users", "user.manage", "Add a user", s.addUser},
		{"PATCH", "/api/v1/users/:name", "user.manage", "Change a user's role, display name, password or disabled flag", s.patchUser},
		{"GET", "/api/v1/audit", "audit.read", "The audit log (from, to, limit)", s.auditLog},
	}
}

// recover turns a panic in a handler into a logged 500, so one bad
// request never takes the server down.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if isAbort(v) {
				panic(v) // net/http breaks the connection off quietly
			}
			s.log.Error("panic in handler", "path", c.Request.URL.Path, "panic", v)
			c.AbortWithStatusJSON(http.StatusInternalServerError, apiError{Error: "internal error; it was logged", Status: 500})
		}
	}()
	c.Next()
}

func (s *Server) filer() *filing.Filer {
	return &filing.Filer{Store: s.Store, Index: s.Index, Collections: s.Collections, Log: s.log}
}

// healthz answers while the process runs.
func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers when the store and the index answer.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	// Anyone may ask: the answer says which part is down, the log why
	// (a raw error names hosts, paths and buckets).
	if err := s.Store.List(ctx, "readyz-probe/", func(assets.Object) error { return nil }); err != nil {
		s.log.Warn("readyz: store unreachable", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "store unreachable"})
		return
	}
	if _, err := s.Index.Count(ctx); err != nil {
		s.log.Warn("readyz: index unreachable", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "index unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// clientIP is the address a request came from, believing forwarded
// headers only from the configured proxies.
func (s *Server) clientIP(c *gin.Context) netip.Addr {
	return auth.ClientIP(c.Request.RemoteAddr, c.GetHeader("X-Forwarded-For"), s.TrustedProxies)
}

// record writes an audit entry; a failure to write one is logged, and the
// action it records has already happened.
func (s *Server) record(c *gin.Context, action, target, detail string) {
	if s.Audit == nil {
		return
	}
	u, _ := userOf(c)
	e := audit.Entry{User: u.Name, Action: action, Target: target, From: s.clientIP(c).String(), Detail: detail}
	if err := s.Audit.Record(context.WithoutCancel(c.Request.Context()), e); err != nil {
		s.log.Error("audit entry lost", "action", action, "target", target, "err", err)
	}
}

// ctxAudited marks a request whose refusal is already in the audit log.
const ctxAudited = "mediabank.audited"

// recordRefusal audits something refused, within the bound of s.refusals
// per client address and in all: past it the entry is left out, and the
// next one written says how many were.
func (s *Server) recordRefusal(c *gin.Context, action, target, detail string) {
	if s.Audit == nil {
		return
	}
	c.Set(ctxAudited, true)
	ok, left := s.refusals.Allow(s.clientIP(c).String())
	if !ok {
		return
	}
	if left > 0 {
		detail += fmt.Sprintf(" (%d similar entries left out before this one)", left)
	}
	s.record(c, action, target, detail)
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func bearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
		return strings.TrimSpace(h[len(p):]), true
	}
	return "", false
}
