package ingest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"mediabank/assets"
	"mediabank/assets/retry"
)

// Job is what the server shows of one ingest: a card, an upload or a
// folder, its progress, and whether the card may be ejected yet.
type Job struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"` // card, upload, folder
	Source      string    `json:"source"`
	Label       string    `json:"label,omitempty"`
	Collection  string    `json:"collection,omitempty"`
	User        string    `json:"user,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	State       string    `json:"state"` // running, done, failed
	SafeToEject bool      `json:"safe_to_eject"`
	// Progress while running.
	FilesTotal int64   `json:"files_total"`
	FilesDone  int64   `json:"files_done"`
	BytesTotal int64   `json:"bytes_total"`
	BytesDone  int64   `json:"bytes_done"`
	Ingested   int64   `json:"ingested"`
	Duplicates int64   `json:"duplicates"`
	Failed     int64   `json:"failed"`
	Skipped    int64   `json:"skipped"`
	Renditions int64   `json:"renditions"`
	ElapsedS   float64 `json:"elapsed_s"`
	// Report when done; Error when the run as a whole stopped.
	Report *Report `json:"report,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// JobSpec says what to ingest.
type JobSpec struct {
	Kind       string
	Roots      []string
	Label      string
	Collection string
	User       string
	// Done, if set, is called after the run, for cleaning up (an upload's
	// spool folder) or filing results.
	Done func(*Report, error)
	// OnAsset is passed to the run.
	OnAsset func(*assets.Asset)
}

// Jobs runs ingests in the background and keeps the latest ones for the
// API, telling subscribers of every change.
type Jobs struct {
	in   *Ingester
	keep int
	now  func() time.Time

	mu    sync.Mutex
	jobs  map[string]*Job
	order []string // oldest first
	subs  map[chan Job]struct{}
	wg    sync.WaitGroup
}

// NewJobs keeps the last keep jobs (at least 1).
func NewJobs(in *Ingester, keep int) *Jobs {
	return &Jobs{in: in, keep: max(keep, 1), now: in.opts.Now, jobs: map[string]*Job{}, subs: map[chan Job]struct{}{}}
}

// Start begins an ingest and returns its first state. The run goes on
// under ctx, not the request that asked for it.
func (js *Jobs) Start(ctx context.Context, spec JobSpec) Job {
	id := NewID(js.now())
	j := &Job{ID: id, Kind: spec.Kind, Source: strings.Join(spec.Roots, ", "), Label: spec.Label, Collection: spec.Collection, User: spec.User, StartedAt: js.now().UTC(), State: "running"}
	js.mu.Lock()
	js.jobs[id] = j
	js.order = append(js.order, id)
	js.evictLocked()
	first := *j
	js.mu.Unlock()
	js.publish(first)

	js.wg.Go(func() {
		var (
			rep *Report
			err error
		)
		// A run that failed because the store was unreachable is run again
		// once the store answers: files already in the bank count as
		// duplicates, the rest are read again.
		for runID, attempt := id, 1; ; attempt++ {
			rep, err = js.in.Run(ctx, spec.Roots, RunOptions{
				ID:         runID,
				Collection: spec.Collection,
				Label:      spec.Label,
				OnAsset:    spec.OnAsset,
				Progress: func(p Progress) {
					js.update(id, func(j *Job) { j.setProgress(p) })
				},
				SafeToEject: func(Report) {
					js.update(id, func(j *Job) { j.SafeToEject = true })
				},
			})
			if !storeDown(rep, err) || attempt == jobRuns || ctx.Err() != nil {
				break
			}
			js.update(id, func(j *Job) { j.SafeToEject, j.Error = false, errStoreWait })
			if js.waitForStore(ctx) != nil {
				break
			}
			js.update(id, func(j *Job) { j.Error = "" })
			runID = NewID(js.now()) // each run keeps its own ingest log
		}
		js.update(id, func(j *Job) {
			j.Report = rep
			j.State = "done"
			if rep != nil {
				j.Ingested, j.Duplicates, j.Failed, j.Skipped = rep.Ingested, rep.Duplicates, rep.Failed, rep.Skipped
				j.Renditions, j.ElapsedS = rep.Renditions, rep.ElapsedS
			}
			if err != nil {
				j.State, j.Error = "failed", err.Error()
			}
		})
		if spec.Done != nil {
			spec.Done(rep, err)
		}
	})
	return first
}

// jobRuns bounds the runs of one job through store outages.
const jobRuns = 5

// errStoreWait is what a job says while it waits for the store to answer.
const errStoreWait = "store unreachable: the files that failed will be ingested again when it answers"

// storeDown tells whether a run failed because the store was unreachable.
func storeDown(rep *Report, err error) bool {
	return retry.Transient(err) || rep != nil && rep.storeFaults > 0
}

// waitForStore returns once the store answers a request (an absent key
// is an answer), probing with a growing pause.
func (js *Jobs) waitForStore(ctx context.Context) error {
	pause := time.Second
	for {
		if _, err := js.in.store.Stat(ctx, storeProbe); !retry.Transient(err) {
			return ctx.Err()
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(pause*2, time.Minute)
	}
}

// storeProbe is a key no object has: asking for it tells whether the store answers.
const storeProbe = "probe/store-answers"

// Wait blocks until every started job has ended.
func (js *Jobs) Wait() { js.wg.Wait() }

func (j *Job) setProgress(p Progress) {
	j.FilesTotal, j.FilesDone = p.FilesTotal, p.FilesDone
	j.BytesTotal, j.BytesDone = p.BytesTotal, p.BytesDone
	j.Ingested, j.Duplicates, j.Failed, j.Skipped = p.Ingested, p.Duplicates, p.Failed, p.Skipped
	j.Renditions, j.ElapsedS = p.Renditions, p.Elapsed.Seconds()
	j.SafeToEject = j.SafeToEject || p.SafeAt > 0
}

func (js *Jobs) update(id string, fn func(*Job)) {
	js.mu.Lock()
	j, ok := js.jobs[id]
	if !ok {
		js.mu.Unlock()
		return
	}
	fn(j)
	snap := *j
	js.mu.Unlock()
	js.publish(snap)
}

func (js *Jobs) evictLocked() {
	for len(js.order) > js.keep {
		oldest := js.order[0]
		if js.jobs[oldest].State == "running" {
			return // never forget a running job
		}
		delete(js.jobs, oldest)
		js.order = js.order[1:]
	}
}

// Get returns the job with this id.
func (js *Jobs) Get(id string) (Job, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok {
		return Job{}, false
	}
	return *j, true
}

// List returns the jobs, newest first.
func (js *Jobs) List() []Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]Job, 0, len(js.order))
	for _, id := range slices.Backward(js.order) {
		out = append(out, *js.jobs[id])
	}
	return out
}

// Subscribe returns a channel of job changes until cancel is called. A
// subscriber too slow to keep up misses intermediate states, never the
// process: each message is a whole snapshot.
func (js *Jobs) Subscribe() (<-chan Job, func()) {
	ch := make(chan Job, 64)
	js.mu.Lock()
	js.subs[ch] = struct{}{}
	js.mu.Unlock()
	return ch, func() {
		js.mu.Lock()
		delete(js.subs, ch)
		js.mu.Unlock()
	}
}

func (js *Jobs) publish(j Job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for ch := range js.subs {
		select {
		case ch <- j:
		default:
		}
	}
}
