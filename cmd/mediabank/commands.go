package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"mediabank/assets"
	"mediabank/filing"
	"mediabank/ingest"
	"mediabank/metadata"
	"mediabank/search"
)

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseVerb reads the verb of a command that has verbs (user, token,
// collection) and the arguments and flags after it; usage lists the verbs.
func parseVerb(fl *flag.FlagSet, args []string, usage string) (verb string, pos []string, err error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("%s: %s", fl.Name(), usage)
	}
	if pos, err = parseFlags(fl, args[1:]); err != nil {
		return "", nil, exitError(2)
	}
	return args[0], pos, nil
}

// parseFlags parses flags wherever they stand among the arguments
// (`mediabank user add budi --role staff`), unlike flag.Parse, which stops
// at the first argument; after "--" everything is an argument.
func parseFlags(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		args = fl.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdIngest(ctx context.Context, e *env, args []string) error {
	fl := newFlags("ingest", e.stderr)
	collection := fl.String("collection", "", "file the new assets into this collection")
	asJSON := fl.Bool("json", false, "print a machine-readable summary at the end")
	noRend := fl.Bool("no-renditions", false, "do not make thumbnails and previews now")
	label := fl.String("label", "", "the card's volume label, kept in each record")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return exitError(2)
	}
	if len(pos) == 0 {
		return errors.New("ingest: name at least one folder, card or file")
	}
	a, err := openApp(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer a.index.Close()
	var onAsset func(*assets.Asset)
	if *collection != "" {
		// File into a collection that exists, or not at all.
		if _, _, err := a.collections.Get(ctx, *collection); err != nil {
			return fmt.Errorf("ingest: --collection %s: %w", *collection, err)
		}
		onAsset = a.filer().OnAsset(ctx, *collection)
	}
	in, closeMemo, err := a.ingester(e.cfg, !*noRend)
	if err != nil {
		return err
	}
	defer closeMemo()

	tty := isTerminal(e.stderr)
	var lastLine time.Time
	rep, err := in.Run(ctx, pos, ingest.RunOptions{
		Collection: *collection,
		OnAsset:    onAsset,
		Label:      *label,
		Progress: func(p ingest.Progress) {
			if tty {
				fmt.Fprintf(e.stderr, "\r\033[K%s", ingest.Bar(p, 30))
				return
			}
			if time.Since(lastLine) >= 5*time.Second {
				lastLine = time.Now()
				fmt.Fprintln(e.stderr, ingest.Line(p))
			}
		},
		SafeToEject: func(r ingest.Report) {
			if tty {
				fmt.Fprint(e.stderr, "\r\033[K")
			}
			fmt.Fprintln(e.stderr, safeMessage(r))
		},
	})
	if tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			if jerr := enc.Encode(rep); jerr != nil {
				return jerr
			}
		} else {
			printReport(e.stdout, rep)
		}
	}
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return exitError(1)
	}
	return nil
}

// safeMessage is said the moment the card may be taken out, in the
// office's language first; the report says when it may not.
func safeMessage(r ingest.Report) string {
	verified := r.Ingested + r.Duplicates
	switch {
	case r.SafeToEjectS != nil:
		return fmt.Sprintf("Aman untuk dilepas / safe to eject: all %d originals verified in the bank in %.1f s.", verified, *r.SafeToEjectS)
	case r.Failed > 0:
		return fmt.Sprintf("BELUM AMAN untuk dilepas / NOT safe to eject: %d file(s) failed (listed below); %d originals verified in %.1f s. Copy the failed files by hand before formatting the card.",
			r.Failed, verified, r.ElapsedS)
	default:
		return fmt.Sprintf("BELUM AMAN untuk dilepas / NOT safe to eject: the run stopped after %d originals were verified; run it again.", verified)
	}
}

func printReport(w io.Writer, r *ingest.Report) {
	safe := "NOT safe to eject"
	if r.SafeToEjectS != nil {
		safe = fmt.Sprintf("safe to eject after %.1f s", *r.SafeToEjectS)
	}
	fmt.Fprintf(w, "%d ingested, %d already in the bank, %d skipped (not media), %d failed; %s in %.1f s (%s); %d renditions",
		r.Ingested, r.Duplicates, r.Skipped, r.Failed, ingest.Bytes(r.Bytes), r.ElapsedS, safe, r.Renditions)
	if r.RenditionErrs > 0 {
		fmt.Fprintf(w, " (%d assets without)", r.RenditionErrs)
	}
	fmt.Fprintln(w)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "FAILED %s: %s\n", f.Path, f.Error)
	}
}

func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func cmdSearch(ctx context.Context, e *env, args []string) error {
	fl := newFlags("search", e.stderr)
	asJSON := fl.Bool("json", false, "print the result as JSON")
	facets := fl.Bool("facets", false, "print facet counts")
	page := fl.Int("page", 1, "page of results, from 1")
	size := fl.Int("size", 50, "results per page")
	sort := fl.String("sort", "", "the order: "+strings.Join(search.SortOrders(), ", ")+" (the first, newest first, by default)")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return exitError(2)
	}
	index, err := e.cfg.openIndex(e.log)
	if err != nil {
		return err
	}
	defer index.Close()
	res, err := index.Search(ctx, search.Request{Query: strings.Join(pos, " "), Facets: *facets, Sort: *sort, Page: *page, Size: *size})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	fmt.Fprintf(e.stdout, "%d found\n", res.Total)
	for _, h := range res.Hits {
		taken := "                "
		if h.TakenAt != nil {
			taken = h.TakenAt.In(e.cfg.Zone).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(e.stdout, "%s  %s  %-6s %s\n", h.ID[:12], taken, h.Kind, h.FileName)
	}
	if *facets {
		for _, name := range sortedKeys(res.Facets) {
			fmt.Fprintf(e.stdout, "\n%s:\n", name)
			for _, fc := range res.Facets[name] {
				fmt.Fprintf(e.stdout, "  %6d  %s\n", fc.Count, fc.Label)
			}
		}
	}
	return nil
}

func cmdReindex(ctx context.Context, e *env, args []string) error {
	fl := newFlags("reindex", e.stderr)
	if pos, err := parseFlags(fl, args); err != nil || len(pos) > 0 {
		return fmt.Errorf("reindex takes no arguments: %q", pos)
	}
	// The index is derived: a new one is built from nothing next to the
	// live one, which it replaces only once complete.
	a, err := openBank(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", e.cfg.DataDir, err)
	}
	rb, err := search.NewRebuild(e.cfg.indexPath(), search.Options{Zone: e.cfg.Zone, Logger: e.log})
	if err != nil {
		return err
	}
	defer lessGC()()
	start := time.Now()
	n, docs, err := rebuild(ctx, a, rb, e.log)
	if err != nil {
		if aerr := rb.Abort(); aerr != nil {
			e.log.Warn("reindex: abort", "err", aerr)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%d assets and %d collections indexed in %.1f s\n", n, docs, time.Since(start).Seconds())
	return nil
}

// A rebuild allocates much and keeps little, so it collects garbage less
// often than Go's default, at the cost of memory; within a soft limit
// (docs/benchmarks.md, "Reindex").
const (
	reindexGCPercent   = 400
	reindexMemoryLimit = 2 << 30
)

// lessGC sets the rebuild's garbage collection unless GOGC or GOMEMLIMIT
// says otherwise, and returns what puts the settings back.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	gc := debug.SetGCPercent(reindexGCPercent)
	limit := debug.SetMemoryLimit(reindexMemoryLimit)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}

// rebuild puts every asset and collection of the bank into rb and
// commits it; it returns how many of each it indexed.
func rebuild(ctx context.Context, a *app, rb *search.Rebuild, log *slog.Logger) (int, int, error) {
	n, err := ingest.Reindex(ctx, a.store, rb, log)
	if err != nil {
		return n, 0, err
	}
	cols, err := a.collections.List(ctx)
	if err != nil {
		return n, 0, err
	}
	docs := make([]search.Collection, 0, len(cols))
	for _, c := range cols {
		docs = append(docs, filing.Doc(c))
	}
	if err := rb.PutCollections(ctx, docs...); err != nil {
		return n, 0, err
	}
	return n, len(docs), rb.Commit(ctx)
}

func cmdRenditions(ctx context.Context, e *env, args []string) error {
	fl := newFlags("renditions", e.stderr)
	missing := fl.Bool("missing", false, "only assets that lack a rendition")
	retry := fl.Bool("retry-failed", false, "with --missing, also assets whose renditions failed before")
	if pos, err := parseFlags(fl, args); err != nil || len(pos) > 0 {
		return fmt.Errorf("renditions takes no arguments: %q", pos)
	}
	store, err := e.cfg.openStore(ctx, e.log)
	if err != nil {
		return err
	}
	st, err := ingest.Renditions(ctx, store, e.cfg.renderer(), ingest.Which{Missing: *missing, RetryFailed: *retry}, e.log)
	fmt.Fprintf(e.stdout, "%d assets, %d renditions made, %d assets failed\n", st.Assets, st.Made, st.Failed)
	if err != nil {
		return err
	}
	if st.Failed > 0 {
		return exitError(1)
	}
	return nil
}

// inspection is one line of `mediabank inspect`: the file, its hash and
// what it says about itself, or why it could not be read.
type inspection struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	assets.Metadata
	Error string `json:"error,omitempty"`
}

func cmdInspect(ctx context.Context, e *env, args []string) error {
	fl := newFlags("inspect", e.stderr)
	asJSON := fl.Bool("json", false, "one JSON object per line per file (default: indented, for people)")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return exitError(2)
	}
	if len(pos) == 0 {
		return errors.New("inspect: name at least one file or folder")
	}
	ex := e.cfg.extractor()
	enc := json.NewEncoder(e.stdout)
	failed := 0
	for _, root := range pos {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				failed++
				return enc.Encode(inspection{Path: p, Error: err.Error()})
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			res := inspectFile(ctx, ex, p)
			if res.Error != "" {
				failed++
			}
			if *asJSON {
				return enc.Encode(res)
			}
			return printInspection(e.stdout, res)
		})
		if err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

func inspectFile(ctx context.Context, ex *metadata.Extractor, p string) inspection {
	res := inspection{Path: p}
	f, err := os.Open(p)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		res.Error = fmt.Sprintf("read: %v", err)
		return res
	}
	res.SHA256, res.Size = hex.EncodeToString(h.Sum(nil)), n
	res.Metadata, err = ex.Extract(ctx, metadata.Source{Name: filepath.Base(p), R: f, Size: n, Path: p})
	if err != nil {
		res.Error = err.Error()
	}
	res.Metadata.Sources = nil // provenance is for records; inspect shows values
	return res
}

func printInspection(w io.Writer, res inspection) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
