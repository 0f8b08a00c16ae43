package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"mediabank/assets"
)

// entry is one line of the ingest log: what happened to one file.
type entry struct {
	Time   time.Time `json:"time"`
	Path   string    `json:"path"`
	Root   string    `json:"root"`
	Status string    `json:"status"` // ingested, duplicate, failed
	SHA256 string    `json:"sha256,omitempty"`
	Size   int64     `json:"size,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// journal is the append-only log of one run in the bank: parts of JSON
// lines, each written once and never rewritten, then a summary. S3 has no
// append, so a run writes new objects instead; a run killed midway keeps
// every part it flushed.
type journal struct {
	store  assets.Store
	prefix string

	mu      sync.Mutex
	pending []entry
	part    int
	err     error
}

const journalPart = 500

func newJournal(store assets.Store, id string, start time.Time) *journal {
	return &journal{store: store, prefix: assets.IngestLogPrefix + start.UTC().Format("2006/01/02/") + id + "/"}
}

func (j *journal) add(ctx context.Context, e entry) {
	e.Time = time.Now().UTC()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = append(j.pending, e)
	if len(j.pending) >= journalPart {
		j.flushLocked(ctx)
	}
}

func (j *journal) flushLocked(ctx context.Context) {
	if len(j.pending) == 0 {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range j.pending {
		_ = enc.Encode(e) // entries hold only strings, times and numbers
	}
	j.part++
	key := fmt.Sprintf("%spart-%05d.jsonl", j.prefix, j.part)
	// A bytes.Reader, which a retrying store can rewind to send again.
	if _, err := j.store.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), assets.PutOptions{IfNoneMatch: true, ContentType: "application/x-ndjson"}); err != nil && j.err == nil {
		j.err = fmt.Errorf("ingest: write log %s: %w", key, err)
	}
	j.pending = j.pending[:0]
}

// close flushes what is left and writes the run's summary.
func (j *journal) close(ctx context.Context, rep *Report) error {
	ctx = context.WithoutCancel(ctx) // a cancelled run still records what it did
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked(ctx)
	if _, err := assets.WriteJSON(ctx, j.store, j.prefix+"summary.json", rep, assets.PutOptions{IfNoneMatch: true}); err != nil && j.err == nil {
		j.err = fmt.Errorf("ingest: write log summary: %w", err)
	}
	return j.err
}
