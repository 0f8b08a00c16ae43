package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/assets/storetest"
)

// The faults a store shows when its server is away or busy.
var (
	refused = &url.Error{Op: "Put", URL: "http://127.0.0.1:9000/b/k", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	reset      = &url.Error{Op: "Put", URL: "http://127.0.0.1:9000/b/k", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	cut        = &url.Error{Op: "Get", URL: "http://127.0.0.1:9000/b/k", Err: io.ErrUnexpectedEOF}
	slowDown   = fmt.Errorf("s3store: put k: %w: SlowDown", assets.ErrUnavailable)
	timeoutErr = &net.OpError{Op: "read", Net: "tcp", Err: timeout{}}
)

type timeout struct{}

func (timeout) Error() string   { return "i/o timeout" }
func (timeout) Timeout() bool   { return true }
func (timeout) Temporary() bool { return true }

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{refused, true},
		{reset, true},
		{cut, true},
		{slowDown, true},
		{timeoutErr, true},
		{fmt.Errorf("put k: %w", syscall.EPIPE), true},
		{fmt.Errorf("get k: %w", assets.ErrNotFound), false},
		{fmt.Errorf("put k: %w", assets.ErrPrecondition), false},
		{fmt.Errorf("put k: %w", assets.ErrChecksum), false},
		{fmt.Errorf("put k: %w (%w)", context.Canceled, refused), false},
		{context.DeadlineExceeded, false},
		{fmt.Errorf("put k: %w", syscall.ENOSPC), false},
		{io.ErrUnexpectedEOF, false}, // a short body, not a lost connection
		{errors.New("access denied"), false},
	}
	for _, tt := range tests {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// fault is what the faulty store does on one call: fail before reaching
// the store (a refused connection) or after (the answer lost).
type fault struct {
	after bool
	err   error
}

// faulty is a real store that fails calls as scripted, per operation.
type faulty struct {
	assets.Store
	mu     sync.Mutex
	script map[string][]fault
	calls  map[string]int
	// listFailAfter fails a List (once) after it handed this many keys on.
	listFailAfter int
}

func newFaulty(t *testing.T, script map[string][]fault) *faulty {
	inner, err := diskstore.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &faulty{Store: inner, script: script, calls: map[string]int{}}
}

// next counts a call and returns its scripted fault, if any.
func (f *faulty) next(op string) (fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	s := f.script[op]
	if len(s) == 0 {
		return fault{}, false
	}
	f.script[op] = s[1:]
	return s[0], true
}

func (f *faulty) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	ft, ok := f.next("put")
	if ok && !ft.after {
		io.CopyN(io.Discard, r, 10) // a few bytes went out before the cut
		return assets.Object{}, ft.err
	}
	obj, err := f.Store.Put(ctx, key, r, size, opts)
	if ok {
		return assets.Object{}, ft.err
	}
	return obj, err
}

func (f *faulty) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	if ft, ok := f.next("get"); ok {
		return nil, assets.Object{}, ft.err
	}
	return f.Store.Get(ctx, key)
}

func (f *faulty) Stat(ctx context.Context, key string) (assets.Object, error) {
	if ft, ok := f.next("stat"); ok {
		return assets.Object{}, ft.err
	}
	return f.Store.Stat(ctx, key)
}

func (f *faulty) Copy(ctx context.Context, src, dst string) (assets.Object, error) {
	ft, ok := f.next("copy")
	if ok && !ft.after {
		return assets.Object{}, ft.err
	}
	obj, err := f.Store.Copy(ctx, src, dst)
	if ok {
		return assets.Object{}, ft.err
	}
	return obj, err
}

func (f *faulty) Delete(ctx context.Context, key string) error {
	if ft, ok := f.next("delete"); ok {
		return ft.err
	}
	return f.Store.Delete(ctx, key)
}

func (f *faulty) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	f.next("list")
	n := 0
	return f.Store.List(ctx, prefix, func(o assets.Object) error {
		f.mu.Lock()
		fail := f.listFailAfter > 0 && n == f.listFailAfter
		if fail {
			f.listFailAfter = 0
		}
		f.mu.Unlock()
		if fail {
			return reset
		}
		n++
		return fn(o)
	})
}

func fast() Options {
	return Options{Initial: time.Millisecond, Max: 4 * time.Millisecond, MaxElapsed: 10 * time.Second}
}

// oneShot is a body that cannot be rewound: a stream off the card.
type oneShot struct{ io.Reader }

// ifMatchVersion1 stores a first version under "k" and answers the
// options that replace it.
func ifMatchVersion1(t *testing.T, s assets.Store) assets.PutOptions {
	o, err := s.Put(t.Context(), "k", strings.NewReader("version 1"), 9, assets.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return assets.PutOptions{IfMatch: o.ETag}
}

func TestPut(t *testing.T) {
	body := []byte("the original bytes of a photograph")
	tests := []struct {
		name string
		// before runs on the inner store ahead of the Put under test.
		before    func(t *testing.T, s assets.Store) assets.PutOptions
		script    []fault
		stream    bool
		wantErr   error // nil: success
		wantPuts  int
		wantBytes string // what the key holds afterwards
	}{
		{name: "refused twice, then stored whole", script: []fault{{false, refused}, {false, reset}},
			wantPuts: 3, wantBytes: string(body)},
		{name: "busy server", script: []fault{{false, slowDown}}, wantPuts: 2, wantBytes: string(body)},
		{name: "create-only, answer lost: read back, not sent again",
			before:   func(*testing.T, assets.Store) assets.PutOptions { return assets.PutOptions{IfNoneMatch: true} },
			script:   []fault{{true, reset}},
			wantPuts: 1, wantBytes: string(body)},
		{name: "create-only with its SHA-256, answer lost",
			before: func(*testing.T, assets.Store) assets.PutOptions {
				return assets.PutOptions{IfNoneMatch: true, SHA256: assets.Sum(body)}
			},
			script:   []fault{{true, reset}},
			wantPuts: 1, wantBytes: string(body)},
		{name: "create-only, refused before it landed: sent again",
			before:   func(*testing.T, assets.Store) assets.PutOptions { return assets.PutOptions{IfNoneMatch: true} },
			script:   []fault{{false, refused}},
			wantPuts: 2, wantBytes: string(body)},
		{name: "create-only, another writer's object there",
			before: func(t *testing.T, s assets.Store) assets.PutOptions {
				if _, err := s.Put(t.Context(), "k", strings.NewReader("someone else"), 12, assets.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				return assets.PutOptions{IfNoneMatch: true}
			},
			script:  []fault{{false, refused}},
			wantErr: assets.ErrPrecondition, wantPuts: 1, wantBytes: "someone else"},
		{name: "if-match, answer lost: read back",
			before:   ifMatchVersion1,
			script:   []fault{{true, cut}},
			wantPuts: 1, wantBytes: string(body)},
		{name: "if-match, refused: the old version is still there, sent again",
			before:   ifMatchVersion1,
			script:   []fault{{false, refused}},
			wantPuts: 2, wantBytes: string(body)},
		{name: "a stream is not retried", stream: true, script: []fault{{false, refused}},
			wantErr: syscall.ECONNREFUSED, wantPuts: 1},
		{name: "a checksum mismatch is final", script: []fault{{false, fmt.Errorf("put k: %w", assets.ErrChecksum)}},
			wantErr: assets.ErrChecksum, wantPuts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaulty(t, nil)
			var opts assets.PutOptions
			if tt.before != nil {
				opts = tt.before(t, f.Store)
			}
			f.script = map[string][]fault{"put": tt.script}
			var r io.Reader = bytes.NewReader(body)
			if tt.stream {
				r = oneShot{r}
			}
			_, err := New(f, fast()).Put(t.Context(), "k", r, int64(len(body)), opts)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Put: %v, want %v", err, tt.wantErr)
			}
			if got := f.calls["put"]; got != tt.wantPuts {
				t.Errorf("%d puts reached the store, want %d", got, tt.wantPuts)
			}
			got := ""
			if rd, _, err := f.Store.Get(t.Context(), "k"); err == nil {
				data, _ := io.ReadAll(rd)
				rd.Close()
				got = string(data)
			}
			if got != tt.wantBytes {
				t.Errorf("key holds %q, want %q", got, tt.wantBytes)
			}
		})
	}
}

func TestReads(t *testing.T) {
	tests := []struct {
		name    string
		script  map[string][]fault
		op      func(ctx context.Context, s assets.Store) error
		wantErr error
		calls   string
		want    int
	}{
		{name: "get after a refusal", script: map[string][]fault{"get": {{false, refused}, {false, cut}}},
			op: func(ctx context.Context, s assets.Store) error {
				rd, _, err := s.Get(ctx, "a")
				if err == nil {
					rd.Close()
				}
				return err
			}, calls: "get", want: 3},
		{name: "not found is final", op: func(ctx context.Context, s assets.Store) error {
			_, _, err := s.Get(ctx, "missing")
			return err
		}, wantErr: assets.ErrNotFound, calls: "get", want: 1},
		{name: "stat after a timeout", script: map[string][]fault{"stat": {{false, timeoutErr}}},
			op: func(ctx context.Context, s assets.Store) error { _, err := s.Stat(ctx, "a"); return err }, calls: "stat", want: 2},
		{name: "delete after a reset", script: map[string][]fault{"delete": {{false, reset}}},
			op: func(ctx context.Context, s assets.Store) error { return s.Delete(ctx, "a") }, calls: "delete", want: 2},
		{name: "copy, answer lost: read back", script: map[string][]fault{"copy": {{true, reset}}},
			op: func(ctx context.Context, s assets.Store) error { _, err := s.Copy(ctx, "a", "c"); return err }, calls: "copy", want: 1},
		{name: "copy onto another object", script: map[string][]fault{"copy": {{false, refused}}},
			op:      func(ctx context.Context, s assets.Store) error { _, err := s.Copy(ctx, "a", "b"); return err },
			wantErr: assets.ErrPrecondition, calls: "copy", want: 1},
		{name: "copy after a refusal", script: map[string][]fault{"copy": {{false, refused}}},
			op: func(ctx context.Context, s assets.Store) error { _, err := s.Copy(ctx, "a", "c"); return err }, calls: "copy", want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaulty(t, nil)
			for k, v := range map[string]string{"a": "alpha", "b": "bravo, longer"} {
				if _, err := f.Store.Put(t.Context(), k, strings.NewReader(v), int64(len(v)), assets.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			f.script = tt.script
			err := tt.op(t.Context(), New(f, fast()))
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
			if f.calls[tt.calls] != tt.want {
				t.Errorf("%d %s calls, want %d", f.calls[tt.calls], tt.calls, tt.want)
			}
		})
	}
}

// TestListResumes: a listing cut midway goes on after the last key the
// caller saw, so it sees every key once.
func TestListResumes(t *testing.T) {
	f := newFaulty(t, nil)
	var want []string
	for i := range 5 {
		k := fmt.Sprintf("p/%d", i)
		want = append(want, k)
		if _, err := f.Store.Put(t.Context(), k, strings.NewReader(k), int64(len(k)), assets.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.listFailAfter = 2
	var got []string
	err := New(f, fast()).List(t.Context(), "p/", func(o assets.Object) error { got = append(got, o.Key); return nil })
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") || f.calls["list"] != 2 {
		t.Errorf("List: %v, keys %v in %d calls; want %v in 2", err, got, f.calls["list"], want)
	}
	// The caller's own error stops the listing and is not retried.
	mine := errors.New("enough")
	err = New(f, fast()).List(t.Context(), "p/", func(assets.Object) error { return mine })
	if !errors.Is(err, mine) || f.calls["list"] != 3 {
		t.Errorf("List with a failing fn: %v after %d calls, want %v after 3", err, f.calls["list"], mine)
	}
}

// TestGivesUp: a store that stays away is given up on within the cap,
// with the last fault in the error; a cancelled context stops at once.
func TestGivesUp(t *testing.T) {
	always := make([]fault, 1000)
	for i := range always {
		always[i] = fault{false, refused}
	}
	f := newFaulty(t, map[string][]fault{"stat": always})
	s := New(f, Options{Initial: time.Millisecond, Max: 2 * time.Millisecond, MaxElapsed: 50 * time.Millisecond})
	_, err := s.Stat(t.Context(), "a")
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "gave up after") || f.calls["stat"] < 2 {
		t.Errorf("Stat: %v after %d calls; want a refusal, given up after several tries", err, f.calls["stat"])
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	before := f.calls["stat"]
	if _, err := s.Stat(ctx, "a"); !errors.Is(err, syscall.ECONNREFUSED) || f.calls["stat"] != before+1 {
		t.Errorf("Stat with a cancelled context: %v after %d calls, want one refused call", err, f.calls["stat"]-before)
	}
}

// TestConformance: the wrapper keeps the Store contract of what it wraps.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) assets.Store {
		s, err := diskstore.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return New(s, fast())
	})
}
