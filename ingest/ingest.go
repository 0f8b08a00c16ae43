// Package ingest brings camera cards and folders into the bank: it walks
// them, reads each file once while hashing it, stores the original
// content-addressed and verified, writes the asset record, indexes it and,
// in the background, makes renditions.
package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"mediabank/assets"
	"mediabank/assets/retry"
	"mediabank/internal/defaults"
	"mediabank/metadata"
	"mediabank/renditions"
)

// MetadataReader reads what a file says about itself.
type MetadataReader interface {
	Extract(ctx context.Context, src metadata.Source) (assets.Metadata, error)
	// ParseXMPSidecar reads an XMP sidecar beside an image.
	ParseXMPSidecar(r io.Reader) (assets.Metadata, error)
}

// Renderer makes thumbnails, previews and posters.
type Renderer interface {
	Make(ctx context.Context, src renditions.Source) ([]renditions.Output, error)
}

// Index is the search index the ingest keeps current.
type Index interface {
	Put(ctx context.Context, as ...*assets.Asset) error
	Has(ctx context.Context, id string) (bool, error)
}

// Options tune the ingester. The zero value is usable.
type Options struct {
	// Workers read and store files in parallel (default 8). Each file
	// waits on its writes being flushed to stable storage before it counts
	// as safe, so more workers than CPUs keep the disk busy meanwhile.
	Workers int
	// MaxBuffered is the largest file read whole into memory, which lets
	// it be stored straight under its content address; larger files go
	// through a staging key (default 64 MiB).
	MaxBuffered int64
	// MemoryBudget bounds the bytes of all files held in memory at once
	// (default 256 MiB, at least MaxBuffered); workers wait for room.
	MemoryBudget int64
	// Host names the machine the cards are read on, for the records.
	Host string
	// Renditions makes thumbnails and previews after the originals are
	// safe; false leaves them to `mediabank renditions --missing`.
	Renditions bool
	// Memo, if set, recognises files ingested before without reading them
	// whole (see Memo).
	Memo   *Memo
	Logger *slog.Logger
	Now    func() time.Time
}

// RunOptions are the settings of one run.
type RunOptions struct {
	// ID names the run; one is made up when empty.
	ID string
	// Collection files every new asset into this collection.
	Collection string
	// Label is the card's volume label, if known.
	Label string
	// Progress, if set, is called about four times a second and once at
	// the end, from one goroutine.
	Progress func(Progress)
	// SafeToEject, if set, is called once, the moment every original of
	// the run is verified in the store (or failed), before renditions end.
	SafeToEject func(Report)
	// OnAsset, if set, is called with the record of each file of the run
	// once it is in the bank, new or there before (for example to file it
	// into the run's collection).
	OnAsset func(*assets.Asset)
}

// Ingester runs ingests against one bank. It holds no per-run state, so
// one Ingester can serve several runs at once.
type Ingester struct {
	store  assets.Store
	index  Index
	meta   MetadataReader
	render Renderer
	opts   Options
	// beforeOpen, set by tests only, runs between the walk and the open
	// of each card file.
	beforeOpen func(path string)
}

// New wires an Ingester. render may be nil when renditions are off.
func New(store assets.Store, index Index, meta MetadataReader, render Renderer, opts Options) *Ingester {
	defaults.Positive(&opts.Workers, 8)
	defaults.Positive(&opts.MaxBuffered, 64<<20)
	defaults.Positive(&opts.MemoryBudget, 256<<20)
	opts.MemoryBudget = max(opts.MemoryBudget, opts.MaxBuffered)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Now = defaults.Clock(opts.Now)
	if render == nil {
		opts.Renditions = false
	}
	return &Ingester{store: store, index: index, meta: meta, render: render, opts: opts}
}

// Progress is a snapshot of a run.
type Progress struct {
	IngestID   string
	FilesTotal int64 // found so far; final once WalkDone
	FilesDone  int64
	BytesTotal int64
	BytesDone  int64
	Ingested   int64
	Duplicates int64
	Failed     int64
	Skipped    int64
	WalkDone   bool
	SafeAt     time.Duration // since the start; 0 until safe to eject
	Renditions int64         // made so far
	Elapsed    time.Duration
}

// Report is the outcome of a run. Its JSON is the `ingest --json` summary.
type Report struct {
	IngestID   string `json:"ingest_id"`
	Ingested   int64  `json:"ingested"`
	Duplicates int64  `json:"duplicates"`
	Skipped    int64  `json:"skipped"`
	Failed     int64  `json:"failed"`
	Bytes      int64  `json:"bytes"`
	// SafeToEjectS is when every original was verified in the store; nil
	// (absent from the JSON) when the card is not safe: a file failed or
	// the run stopped before it read them all.
	SafeToEjectS  *float64  `json:"safe_to_eject_s,omitempty"`
	ElapsedS      float64   `json:"elapsed_s"`
	Renditions    int64     `json:"renditions"`
	RenditionErrs int64     `json:"rendition_errors"`
	Failures      []Failure `json:"failures"`

	// storeFaults counts the failures due to the store being unreachable,
	// which another run may not meet (see Jobs).
	storeFaults int64
}

// Failure is one file that could not be brought into the bank, and why.
type Failure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// stats are the counters of one run, shared by its goroutines.
type stats struct {
	filesTotal, filesDone, bytesTotal, bytesDone atomic.Int64
	ingested, duplicates, failed, skipped        atomic.Int64
	sidecars, renditions, renditionErrs          atomic.Int64
	storeFaults                                  atomic.Int64
	walkDone                                     atomic.Bool
	safeAt                                       atomic.Int64 // nanoseconds since start
	// tried: every file of the card was tried (the run was not cancelled
	// and the walk did not fail); safe to eject if none failed.
	tried atomic.Bool

	mu       sync.Mutex
	failures []Failure
}

func (st *stats) fail(path string, err error) {
	st.failed.Add(1)
	if retry.Transient(err) {
		st.storeFaults.Add(1)
	}
	st.mu.Lock()
	st.failures = append(st.failures, Failure{Path: path, Error: err.Error()})
	st.mu.Unlock()
}

// Run ingests the roots (folders, cards or single files). Per-file failures
// are in the report; the error is for what stops the whole run (the store
// unreachable, the context cancelled).
func (in *Ingester) Run(ctx context.Context, roots []string, ro RunOptions) (*Report, error) {
	start := in.opts.Now()
	if ro.ID == "" {
		ro.ID = NewID(start)
	}
	r := &run{
		in:      in,
		ro:      ro,
		id:      ro.ID,
		start:   start,
		st:      &stats{},
		log:     in.opts.Logger,
		indexCh: make(chan *assets.Asset, 256),
	}
	r.journal = newJournal(in.store, r.id, start)
	r.memory = newBudget(in.opts.MemoryBudget)
	return r.do(ctx, roots)
}

// run is the state of one ingest.
type run struct {
	in      *Ingester
	ro      RunOptions
	id      string
	start   time.Time
	st      *stats
	log     *slog.Logger
	journal *journal
	memory  *budget
	indexCh chan *assets.Asset

	mu      sync.Mutex
	pending []*assets.Asset // new assets waiting for renditions
	notes   []note          // for the memo, written at the end
}

func (r *run) do(ctx context.Context, roots []string) (*Report, error) {
	in := r.in
	r.sweepStaging(ctx)
	files := make(chan file, in.opts.Workers*2)
	walkErr := make(chan error, 1)
	go func() {
		defer close(files)
		walkErr <- walk(ctx, roots, files, r.st)
		r.st.walkDone.Store(true)
	}()

	// The indexer batches records so Bleve writes few segments.
	indexDone := make(chan error, 1)
	go func() { indexDone <- r.indexLoop(ctx) }()

	stopProgress := r.reportProgress()

	var workers sync.WaitGroup
	for range in.opts.Workers {
		workers.Go(func() {
			buf := make([]byte, 0, 1<<20)
			for f := range files {
				buf = r.one(ctx, f, buf)
				r.st.filesDone.Add(1)
			}
		})
	}
	workers.Wait()
	err := <-walkErr
	r.st.tried.Store(err == nil && ctx.Err() == nil)

	// Every original is verified or failed: the card may go.
	r.st.safeAt.Store(int64(in.opts.Now().Sub(r.start)))
	if r.ro.SafeToEject != nil {
		r.ro.SafeToEject(*r.report())
	}

	// Renditions follow, one worker per CPU: they wait until now so that
	// decoding never slows the copy off the card.
	if in.opts.Renditions {
		r.renditions(ctx)
	}
	close(r.indexCh)
	if r.in.opts.Memo != nil {
		if merr := r.in.opts.Memo.remember(r.notes); merr != nil {
			r.log.Warn("memo not updated; the next run reads these files again", "err", merr)
		}
	}
	if ierr := <-indexDone; ierr != nil && err == nil {
		err = ierr
	}
	stopProgress()
	rep := r.report()
	if jerr := r.journal.close(ctx, rep); jerr != nil && err == nil {
		err = jerr
	}
	if err == nil {
		err = ctx.Err()
	}
	return rep, err
}

func (r *run) report() *Report {
	st := r.st
	st.mu.Lock()
	failures := append([]Failure(nil), st.failures...)
	st.mu.Unlock()
	if failures == nil {
		failures = []Failure{}
	}
	var safe *float64
	if st.tried.Load() && st.failed.Load() == 0 {
		s := time.Duration(st.safeAt.Load()).Seconds()
		safe = &s
	}
	return &Report{
		IngestID:      r.id,
		Ingested:      st.ingested.Load(),
		Duplicates:    st.duplicates.Load(),
		Skipped:       st.skipped.Load(),
		Failed:        st.failed.Load(),
		Bytes:         st.bytesDone.Load(),
		SafeToEjectS:  safe,
		ElapsedS:      r.in.opts.Now().Sub(r.start).Seconds(),
		Renditions:    st.renditions.Load(),
		RenditionErrs: st.renditionErrs.Load(),
		Failures:      failures,
		storeFaults:   st.storeFaults.Load(),
	}
}

func (r *run) progress() Progress {
	st := r.st
	return Progress{
		IngestID:   r.id,
		FilesTotal: st.filesTotal.Load(),
		FilesDone:  st.filesDone.Load(),
		BytesTotal: st.bytesTotal.Load(),
		BytesDone:  st.bytesDone.Load(),
		Ingested:   st.ingested.Load(),
		Duplicates: st.duplicates.Load(),
		Failed:     st.failed.Load(),
		Skipped:    st.skipped.Load(),
		WalkDone:   st.walkDone.Load(),
		SafeAt:     time.Duration(st.safeAt.Load()),
		Renditions: st.renditions.Load(),
		Elapsed:    r.in.opts.Now().Sub(r.start),
	}
}

// reportProgress calls Options.Progress on a ticker until the returned
// stop is called, which sends one last snapshot.
func (r *run) reportProgress() (stop func()) {
	fn := r.ro.Progress
	if fn == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fn(r.progress())
			case <-done:
				fn(r.progress())
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// staleStaging is how old a staging object must be to count as the
// leftover of a run that died: a live run holds one only while it copies
// one file.
const staleStaging = 24 * time.Hour

// sweepStaging deletes staging objects left by runs that were killed,
// and puts assets.StagingKeep in place if it is not. A failure here
// costs only space (or, without the keeper, a rare refused put on
// MinIO), so it is logged and the run goes on.
func (r *run) sweepStaging(ctx context.Context) {
	cutoff := r.start.Add(-staleStaging)
	var stale []string
	kept := false
	err := r.in.store.List(ctx, assets.StagingPrefix, func(o assets.Object) error {
		switch {
		case o.Key == assets.StagingKeep:
			kept = true
		case !o.ModTime.IsZero() && o.ModTime.Before(cutoff):
			stale = append(stale, o.Key)
		}
		return nil
	})
	if err == nil && !kept {
		_, err = r.in.store.Put(ctx, assets.StagingKeep, bytes.NewReader(nil), 0, assets.PutOptions{IfNoneMatch: true})
		if errors.Is(err, assets.ErrPrecondition) {
			err = nil // another run put it first
		}
	}
	for _, k := range stale {
		if err == nil {
			err = r.in.store.Delete(ctx, k)
		}
	}
	if err != nil {
		r.log.Warn("sweeping stale staging objects", "err", err)
	}
}

// NewID makes an ingest id: the start time, readable and sortable, and a
// random part so that two runs started together differ.
func NewID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// indexLoop indexes records in batches: every 200 records or half a second.
func (r *run) indexLoop(ctx context.Context) error {
	var batch []*assets.Asset
	var firstErr error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := r.in.index.Put(ctx, batch...); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("ingest: index %d records: %w", len(batch), err)
		}
		batch = batch[:0]
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case a, ok := <-r.indexCh:
			if !ok {
				flush()
				return firstErr
			}
			batch = append(batch, a)
			if len(batch) >= 200 {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}
