package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mediabank/api"
	"mediabank/assets"
	"mediabank/audit"
	"mediabank/auth"
	"mediabank/channels"
	"mediabank/collections"
	"mediabank/filing"
	"mediabank/ingest"
	"mediabank/shares"
	"mediabank/watch"
	"mediabank/web"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdServe(ctx context.Context, e *env, args []string) error {
	fl := newFlags("serve", e.stderr)
	addr := fl.String("addr", envOr("MEDIABANK_ADDR", "127.0.0.1:8080"), "address to listen on")
	var watches, mounts multiFlag
	fl.Var(&watches, "watch", "upload folder to watch (repeatable): DIR, DIR=COLLECTION, or DIR=* for one collection per sub-folder")
	fl.Var(&mounts, "mount-root", "where camera cards are mounted (repeatable; default /media and /run/media; none to watch no cards)")
	poll := fl.Duration("poll", 5*time.Second, "rescan interval for file systems that send no events")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return exitError(2)
	}
	if len(pos) > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", pos)
	}
	if len(watches) == 0 {
		watches = splitList(os.Getenv("MEDIABANK_WATCH"))
	}
	if len(mounts) == 0 {
		mounts = splitList(os.Getenv("MEDIABANK_MOUNT_ROOTS"))
	}
	app, err := openApp(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer app.index.Close()
	if err := bootstrapAdmin(ctx, app.users, e.log); err != nil {
		return err
	}
	in, closeMemo, err := app.ingester(e.cfg, true)
	if err != nil {
		return err
	}
	defer closeMemo()
	jobs := ingest.NewJobs(in, 200)
	srv, err := newServer(ctx, e, app, jobs)
	if err != nil {
		return err
	}
	w, err := newWatcher(watches, mounts, *poll, e.log)
	if err != nil {
		return err
	}

	events := make(chan watch.Event, 16)
	watchErr := make(chan error, 1)
	go func() { watchErr <- w.Run(ctx, events) }()
	go func() {
		for ev := range events {
			startJob(ctx, jobs, app, ev, e.log)
		}
	}()
	err = listenAndServe(ctx, e, *addr, srv, watchErr)
	jobs.Wait()
	return err
}

// newServer makes the API and registers the web pages on it.
func newServer(ctx context.Context, e *env, app *app, jobs *ingest.Jobs) (*api.Server, error) {
	proxies, err := parsePrefixes(os.Getenv("MEDIABANK_TRUSTED_PROXIES"))
	if err != nil {
		return nil, err
	}
	presets, err := loadChannels()
	if err != nil {
		return nil, err
	}
	// One maker, so renditions, channel pictures and the API's thumbnails
	// share one decode budget.
	maker := e.cfg.renderer()
	shared := shares.New(app.store, nil)
	srv := api.New(api.Deps{
		Store:          app.store,
		Index:          app.index,
		Jobs:           jobs,
		Render:         maker,
		Channels:       &channels.Renderer{Store: app.store, Maker: maker, Presets: presets},
		Shares:         shared,
		Users:          app.users,
		Sessions:       auth.NewSessions(auth.SessionOptions{}),
		Throttle:       auth.NewThrottle(auth.ThrottleOptions{}),
		Policy:         app.policy,
		Collections:    app.collections,
		Audit:          audit.New(app.store, nil),
		UploadDir:      filepath.Join(e.cfg.DataDir, "uploads"),
		SecureCookies:  os.Getenv("MEDIABANK_SECURE_COOKIES") == "true",
		TrustedProxies: proxies,
		Background:     ctx,
		Zone:           e.cfg.Zone,
		Logger:         e.log,
	})
	if err := web.Register(srv.Engine(), web.Deps{Auth: srv, Policy: app.policy, Index: app.index, Store: app.store,
		Collections: app.collections, Jobs: jobs, Users: app.users, Shares: shared, Channels: presets, Zone: e.cfg.Zone, Logger: e.log}); err != nil {
		return nil, err
	}
	return srv, nil
}

// newWatcher watches the upload folders (--watch) and the mount roots of
// camera cards (--mount-root; none for none, default /media and /run/media).
func newWatcher(watches, mounts []string, poll time.Duration, log *slog.Logger) (*watch.Watcher, error) {
	uploads, err := parseWatches(watches)
	if err != nil {
		return nil, err
	}
	var roots []string
	switch {
	case len(mounts) == 1 && mounts[0] == "none":
		roots = []string{}
	case len(mounts) > 0:
		roots = mounts
	}
	return watch.New(watch.Config{MountRoots: roots, Uploads: uploads, Poll: poll, Logger: log})
}

// listenAndServe serves h on addr until ctx ends or the server or the
// watcher fails, then shuts the server down gracefully.
func listenAndServe(ctx context.Context, e *env, addr string, h http.Handler, watchErr <-chan error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// No ReadTimeout: the API bounds each request body itself (api.Deps.BodyTimeout),
	// since uploads are long. MaxHeaderBytes keeps huge URLs out.
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	fmt.Fprintf(e.stdout, "mediabank serving on http://%s (data %s)\n", ln.Addr(), e.cfg.DataDir)
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	select {
	case err = <-serveErr:
	case err = <-watchErr:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// startJob turns what the watcher saw into an ingest job.
func startJob(ctx context.Context, jobs *ingest.Jobs, a *app, ev watch.Event, log *slog.Logger) {
	switch {
	case ev.Card != nil:
		j := jobs.Start(ctx, ingest.JobSpec{Kind: "card", Roots: []string{ev.Card.Path}, Label: ev.Card.Label})
		log.Info("card found", "path", ev.Card.Path, "job", j.ID)
	case ev.Files != nil:
		col := ev.Files.Collection
		if col != "" {
			// A sub-folder named after no collection still gets its files
			// into the bank, unfiled.
			if _, _, err := a.collections.Get(ctx, col); err != nil {
				log.Warn("upload folder names no collection; files are ingested unfiled", "folder", ev.Files.Folder, "collection", col, "err", err)
				col = ""
			}
		}
		j := jobs.Start(ctx, ingest.JobSpec{Kind: "folder", Roots: ev.Files.Paths, Collection: col,
			OnAsset: a.filer().OnAsset(ctx, col)})
		log.Info("files found", "folder", ev.Files.Folder, "files", len(ev.Files.Paths), "job", j.ID)
	}
}

// parseWatches reads DIR, DIR=COLLECTION and DIR=*.
func parseWatches(list []string) ([]watch.Upload, error) {
	var out []watch.Upload
	for _, w := range list {
		dir, col, _ := strings.Cut(w, "=")
		if dir == "" {
			return nil, fmt.Errorf("--watch %q: name a folder", w)
		}
		u := watch.Upload{Dir: dir}
		switch {
		case col == "*":
			u.PerSubfolder = true
		case col != "":
			if err := collections.ValidID(col); err != nil {
				return nil, fmt.Errorf("--watch %q: %w", w, err)
			}
			u.Collection = col
		}
		out = append(out, u)
	}
	return out, nil
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(s) {
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, fmt.Errorf("MEDIABANK_TRUSTED_PROXIES: %q: %w", p, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("MEDIABANK_TRUSTED_PROXIES: %q: %w", p, err)
		}
		out = append(out, pr)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// bootstrapAdmin creates the first admin from MEDIABANK_ADMIN_USER and
// MEDIABANK_ADMIN_PASSWORD (docker compose), once: an existing account is
// left as it is.
func bootstrapAdmin(ctx context.Context, users *auth.Users, log *slog.Logger) error {
	name, pass := os.Getenv("MEDIABANK_ADMIN_USER"), os.Getenv("MEDIABANK_ADMIN_PASSWORD")
	if name == "" || pass == "" {
		return nil
	}
	_, err := users.Add(ctx, name, auth.RoleAdmin, pass)
	if errors.Is(err, auth.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bootstrap admin %s: %w", name, err)
	}
	log.Warn("admin account created from MEDIABANK_ADMIN_USER", "user", name)
	return nil
}

// app is what serve and the admin commands share.
type app struct {
	store       assets.Store
	index       indexCloser
	users       *auth.Users
	policy      auth.Policy
	collections *collections.Service
	log         *slog.Logger
}

type indexCloser interface {
	api.Searcher
	ingest.Index
	Close() error
}

func openApp(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	a, err := openBank(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if a.index, err = cfg.openIndex(log); err != nil {
		return nil, err
	}
	return a, nil
}

// openBank is the app without its search index.
func openBank(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	store, err := cfg.openStore(ctx, log)
	if err != nil {
		return nil, err
	}
	policy, err := cfg.loadPolicy()
	if err != nil {
		return nil, err
	}
	cols, err := collections.New(collections.Config{Store: store, Policy: policy, Logger: log, Zone: cfg.Zone})
	if err != nil {
		return nil, err
	}
	return &app{store: store, users: auth.NewUsers(store, log, auth.UsersOptions{}), policy: policy, collections: cols, log: log}, nil
}

// ingester wires an Ingester over the app's bank, with the memo of files
// seen before (DATA/memo.db); done closes the memo.
func (a *app) filer() *filing.Filer {
	return &filing.Filer{Store: a.store, Index: a.index, Collections: a.collections, Log: a.log}
}

func (a *app) ingester(cfg *config, renditions bool) (in *ingest.Ingester, done func(), err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", cfg.DataDir, err)
	}
	memo, err := ingest.OpenMemo(filepath.Join(cfg.DataDir, "memo.db"))
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	in = ingest.New(a.store, a.index, cfg.extractor(), cfg.renderer(), ingest.Options{
		Workers: cfg.Workers, MaxBuffered: cfg.MaxBuffered, Host: host, Renditions: renditions, Memo: memo, Logger: a.log,
	})
	return in, func() { memo.Close() }, nil
}

// loadChannels is the channel presets, with MEDIABANK_CHANNELS's
// overrides when it names a file.
func loadChannels() (channels.Presets, error) {
	return loadOverrides("MEDIABANK_CHANNELS", channels.DefaultPresets, channels.LoadPresets)
}

// loadPolicy is the policy table, with MEDIABANK_POLICY's overrides when
// it names a file.
func (c *config) loadPolicy() (auth.Policy, error) {
	return loadOverrides("MEDIABANK_POLICY", auth.DefaultPolicy, auth.LoadPolicy)
}

// loadOverrides is what load reads from the file the environment variable
// names, or the built-in table when it names none.
func loadOverrides[T any](variable string, builtIn func() T, load func(io.Reader) (T, error)) (T, error) {
	p := os.Getenv(variable)
	if p == "" {
		return builtIn(), nil
	}
	var zero T
	f, err := os.Open(p)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", variable, err)
	}
	defer f.Close()
	v, err := load(f)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", variable, p, err)
	}
	return v, nil
}
