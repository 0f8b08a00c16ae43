// Package retry wraps an assets.Store so that transient faults (the server
// restarting, a connection reset, a timeout, 503 SlowDown) are tried again
// with exponential backoff, up to a cap, the way restic wraps its backends.
//
// Only what is safe to repeat is repeated. Reads, lists and deletes are.
// A Put is retried only when its body can be rewound (an io.Seeker);
// a streamed body fails on the first fault and its caller decides. A
// conditional write (create-only or If-Match) whose answer was lost may
// have landed, so before it is sent again the wrapper reads the key back:
// if the object now holds what we wrote, the write succeeded.
package retry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"mediabank/assets"
	"mediabank/internal/defaults"
)

// Options tune the backoff. The zero value is usable.
type Options struct {
	// MaxElapsed caps the time spent retrying one operation (default 30 s).
	MaxElapsed time.Duration
	// Initial is the first wait (default 100 ms); each wait doubles, with
	// jitter, up to Max (default 5 s).
	Initial, Max time.Duration
	Logger       *slog.Logger
}

// Store is a retrying assets.Store.
type Store struct {
	inner assets.Store
	opts  Options
}

var _ assets.Store = (*Store)(nil)

// New wraps inner.
func New(inner assets.Store, opts Options) *Store {
	defaults.Positive(&opts.MaxElapsed, 30*time.Second)
	defaults.Positive(&opts.Initial, 100*time.Millisecond)
	defaults.Positive(&opts.Max, 5*time.Second)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{inner: inner, opts: opts}
}

// Transient tells whether err is a fault that may go away by itself: the
// store unavailable, a connection refused, reset or cut, a timeout. The
// expected outcomes of the Store contract (not found, precondition,
// checksum) and a cancelled context never are.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, assets.ErrNotFound) || errors.Is(err, assets.ErrPrecondition) || errors.Is(err, assets.ErrChecksum) {
		return false
	}
	if errors.Is(err, assets.ErrUnavailable) {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN} {
		if errors.Is(err, e) {
			return true
		}
	}
	// An HTTP exchange cut short: the server went away mid-answer.
	var ue *url.Error
	if errors.As(err, &ue) && (errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF)) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// do runs fn until it succeeds, fails for good, or the cap (or ctx's
// deadline) leaves no room for another wait.
func (s *Store) do(ctx context.Context, op string, fn func() error) error {
	start := time.Now()
	wait := s.opts.Initial
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		// Full jitter in [wait/2, wait], so writers that failed together
		// do not come back together.
		d := wait/2 + rand.N(wait/2+1)
		if time.Since(start)+d > s.opts.MaxElapsed {
			return fmt.Errorf("%s: gave up after %d attempts in %s: %w", op, attempt, time.Since(start).Round(time.Millisecond), err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return err
		}
		s.opts.Logger.Warn("store fault, trying again", "op", op, "attempt", attempt, "wait", d, "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(wait*2, s.opts.Max)
	}
}

// Get retries opening the object; reads from the opened object are not
// retried (the caller's position in it is theirs).
func (s *Store) Get(ctx context.Context, key string) (rd assets.Reader, obj assets.Object, err error) {
	err = s.do(ctx, "get "+key, func() error {
		rd, obj, err = s.inner.Get(ctx, key)
		return err
	})
	return rd, obj, err
}

func (s *Store) Stat(ctx context.Context, key string) (obj assets.Object, err error) {
	err = s.do(ctx, "stat "+key, func() error {
		obj, err = s.inner.Stat(ctx, key)
		return err
	})
	return obj, err
}

// List resumes after the last key it handed to fn, so fn never sees a key
// twice (keys come in lexical order).
func (s *Store) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	var last string
	seen := false
	var fnErr error
	return s.do(ctx, "list "+prefix, func() error {
		err := s.inner.List(ctx, prefix, func(o assets.Object) error {
			if seen && o.Key <= last {
				return nil
			}
			if fnErr = fn(o); fnErr != nil {
				return fnErr
			}
			last, seen = o.Key, true
			return nil
		})
		if fnErr != nil {
			return fnErr // the caller's own error: never retried
		}
		return err
	})
}

// Delete is idempotent: deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.do(ctx, "delete "+key, func() error { return s.inner.Delete(ctx, key) })
}

// Copy only creates dst. After a fault dst may exist from our own copy:
// if it has the source's size (and SHA-256, when both are known), the
// copy succeeded; otherwise someone else's object is there.
func (s *Store) Copy(ctx context.Context, src, dst string) (obj assets.Object, err error) {
	uncertain := false
	err = s.do(ctx, "copy "+src+" to "+dst, func() error {
		if uncertain {
			d, err := s.inner.Stat(ctx, dst)
			switch {
			case errors.Is(err, assets.ErrNotFound):
			case err != nil:
				return err
			default:
				sobj, err := s.inner.Stat(ctx, src)
				if err != nil {
					return err
				}
				if d.Size == sobj.Size && (d.SHA256 == "" || sobj.SHA256 == "" || d.SHA256 == sobj.SHA256) {
					obj = d
					return nil
				}
				return fmt.Errorf("retry: copy %s to %s: destination exists: %w", src, dst, assets.ErrPrecondition)
			}
		}
		obj, err = s.inner.Copy(ctx, src, dst)
		uncertain = err != nil
		return err
	})
	return obj, err
}

// Put retries only a body it can rewind. A conditional write whose answer
// was lost is resolved by reading the key back before sending it again.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (obj assets.Object, err error) {
	seeker, ok := r.(io.Seeker)
	if !ok {
		return s.inner.Put(ctx, key, r, size, opts)
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return s.inner.Put(ctx, key, r, size, opts)
	}
	rewind := func() error {
		if _, err := seeker.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("retry: put %s: rewind the body: %w", key, err)
		}
		return nil
	}
	conditional := opts.IfNoneMatch || opts.IfMatch != ""
	want := written{sha: strings.ToLower(opts.SHA256), size: size}
	if conditional && want.sha == "" {
		// What we write must be recognisable when we read it back.
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return assets.Object{}, fmt.Errorf("retry: put %s: hash the body: %w", key, err)
		}
		want.sha, want.size = hex.EncodeToString(h.Sum(nil)), n
		if err := rewind(); err != nil {
			return assets.Object{}, err
		}
	}
	uncertain := false
	err = s.do(ctx, "put "+key, func() error {
		if uncertain {
			if conditional {
				done, o, err := s.landed(ctx, key, want, opts)
				if err != nil || done {
					obj = o
					return err
				}
			}
			if err := rewind(); err != nil {
				return err
			}
		}
		obj, err = s.inner.Put(ctx, key, r, size, opts)
		uncertain = err != nil
		return err
	})
	return obj, err
}

// written is what a Put sent, to recognise it in the store.
type written struct {
	sha  string
	size int64
}

// landed reads key back after a conditional write whose answer was lost:
// done with the object when it holds what we wrote; ErrPrecondition when
// it holds something else the condition forbade us to overwrite; not done
// when our write did not happen and may be sent again.
func (s *Store) landed(ctx context.Context, key string, want written, opts assets.PutOptions) (bool, assets.Object, error) {
	obj, err := s.inner.Stat(ctx, key)
	if errors.Is(err, assets.ErrNotFound) {
		if opts.IfMatch != "" {
			return false, assets.Object{}, fmt.Errorf("retry: put %s: if-match %s: object absent: %w", key, opts.IfMatch, assets.ErrPrecondition)
		}
		return false, assets.Object{}, nil
	}
	if err != nil {
		return false, assets.Object{}, err
	}
	if opts.IfMatch != "" && obj.ETag == opts.IfMatch {
		return false, assets.Object{}, nil // still the version we meant to replace
	}
	same, err := s.holds(ctx, key, obj, want)
	if err != nil {
		return false, assets.Object{}, err
	}
	if !same {
		return false, assets.Object{}, fmt.Errorf("retry: put %s: the key now holds another writer's object: %w", key, assets.ErrPrecondition)
	}
	if obj.SHA256 == "" {
		obj.SHA256 = want.sha // we just hashed it
	}
	return true, obj, nil
}

// holds tells whether obj carries the bytes we wrote: by the SHA-256 the
// store vouches for, else by reading it.
func (s *Store) holds(ctx context.Context, key string, obj assets.Object, want written) (bool, error) {
	if want.size >= 0 && obj.Size != want.size {
		return false, nil
	}
	if obj.SHA256 != "" {
		return strings.EqualFold(obj.SHA256, want.sha), nil
	}
	rd, _, err := s.inner.Get(ctx, key)
	if errors.Is(err, assets.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rd.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rd); err != nil {
		return false, fmt.Errorf("retry: read back %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)) == want.sha, nil
}
