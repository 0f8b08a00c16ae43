// Package diskstore is the embedded default Store: one folder on a local
// file system, no server needed. Keys map to files under the root.
//
// Layout under the root:
//
//	<key>       the object's bytes, as written
//	.tmp/       temp files of writes in progress (same file system, so the
//	            final rename is atomic)
//	.tmp.lock   flock(2) target serialising check-and-rename across processes
//
// Content type and SHA-256 are kept in user extended attributes of each
// file, so they travel atomically with the rename and with hard links.
// On a file system without user xattrs they are simply not reported.
//
// Conditional writes are exact across goroutines and processes: every
// mutation of the namespace (rename, link, remove) happens while holding an
// exclusive flock on .tmp.lock, and the precondition is checked under the
// same lock. The lock is never held while data is written.
package diskstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"mediabank/assets"
)

const (
	tmpDir   = ".tmp"
	lockFile = ".tmp.lock"
	// Reserved prefix: no key segment may start with it, so temp files and
	// the lock file can never collide with an object.
	reservedPrefix = ".tmp"

	xattrContentType = "user.mediabank.content_type"
	xattrSHA256      = "user.mediabank.sha256"

	copyBufSize = 1 << 20
)

// Store is a folder of objects. It is safe for concurrent use, also by
// several processes sharing the folder.
type Store struct {
	root string
}

var _ assets.Store = (*Store)(nil)

// Open prepares root (creating it if needed) and removes temp files that a
// crashed writer left behind. Temp files of live writers, in this or
// another process, are locked and left alone.
func Open(ctx context.Context, root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("diskstore: open %s: %w", root, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o755); err != nil {
		return nil, fmt.Errorf("diskstore: open %s: %w", root, err)
	}
	s := &Store{root: abs}
	if err := s.removeStaleTemps(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// removeStaleTemps deletes temp files nobody holds a lock on: their writer
// died (a kill -9 mid-write), and since they were never renamed no object
// is half-visible.
func (s *Store) removeStaleTemps(ctx context.Context) error {
	dir := filepath.Join(s.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("diskstore: clean %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("diskstore: clean %s: %w", dir, err)
		}
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			continue
		}
		if err := removeIfUnlocked(p); err != nil {
			return fmt.Errorf("diskstore: clean %s: %w", p, err)
		}
	}
	return nil
}

func removeIfUnlocked(p string) error {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil // a live writer
		}
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// ValidKey refuses keys that could escape the root or collide with the
// store's own files.
func ValidKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("key %q: leading slash", key)
	case strings.ContainsAny(key, "\\\x00"):
		return fmt.Errorf("key %q: backslash or NUL", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("key %q: empty segment", key)
		case seg == "." || seg == "..":
			return fmt.Errorf("key %q: dot segment", key)
		case strings.HasPrefix(seg, reservedPrefix):
			return fmt.Errorf("key %q: segment starts with reserved %q", key, reservedPrefix)
		}
	}
	return nil
}

func (s *Store) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// Put writes to a temp file while hashing, fsyncs it, checks the digest,
// then renames it into place under the lock and fsyncs the directory.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	if err := ValidKey(key); err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: put: %w", err)
	}
	obj, err := s.put(ctx, key, r, size, opts)
	if errors.Is(err, syscall.ENOSPC) {
		// Said plainly; the temp file is already removed by put.
		return assets.Object{}, fmt.Errorf("diskstore: put %s: disk full: %w", key, err)
	}
	if err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: put %s: %w", key, err)
	}
	return obj, nil
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (obj assets.Object, err error) {
	f, err := s.createTemp()
	if err != nil {
		return assets.Object{}, err
	}
	renamed := false
	defer func() {
		f.Close() // also releases the temp file's flock
		if !renamed {
			os.Remove(f.Name())
		}
	}()

	h := sha256.New()
	src := r
	if size >= 0 {
		src = io.LimitReader(r, size)
	}
	n, err := io.CopyBuffer(io.MultiWriter(f, h), assets.ContextReader(ctx, src), make([]byte, copyBufSize))
	if err != nil {
		return assets.Object{}, err
	}
	if size >= 0 && n != size {
		return assets.Object{}, fmt.Errorf("got %d bytes, want %d: %w", n, size, io.ErrUnexpectedEOF)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if opts.SHA256 != "" && !strings.EqualFold(opts.SHA256, sum) {
		return assets.Object{}, fmt.Errorf("sha256 %s, want %s: %w", sum, opts.SHA256, assets.ErrChecksum)
	}
	if err := setMeta(f, opts.ContentType, sum); err != nil {
		return assets.Object{}, err
	}
	if err := f.Sync(); err != nil {
		return assets.Object{}, err
	}
	// The inode, size and mtime survive the rename, so the ETag computed
	// now is the one the object will carry.
	fi, err := f.Stat()
	if err != nil {
		return assets.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return assets.Object{}, err
	}

	dst := s.path(key)
	err = s.locked(func() error {
		if err := checkPrecondition(dst, opts); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(f.Name(), dst); err != nil {
			return err
		}
		renamed = true
		return nil
	})
	if err != nil {
		return assets.Object{}, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return assets.Object{}, err
	}
	return assets.Object{
		Key:         key,
		Size:        fi.Size(),
		ETag:        etag(fi),
		ModTime:     fi.ModTime(),
		ContentType: opts.ContentType,
		SHA256:      sum,
	}, nil
}

// createTemp makes a temp file and holds an flock on it for as long as it
// is open, which tells Open of another process that it is not stale.
func (s *Store) createTemp() (*os.File, error) {
	for {
		f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		// A concurrent Open may have removed the file between its creation
		// and our lock; then start over with a fresh one.
		var st syscall.Stat_t
		if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
			f.Close()
			return nil, fmt.Errorf("stat %s: %w", f.Name(), err)
		}
		if st.Nlink > 0 {
			return f, nil
		}
		f.Close()
	}
}

// checkPrecondition runs under the lock, right before the rename.
func checkPrecondition(dst string, opts assets.PutOptions) error {
	if !opts.IfNoneMatch && opts.IfMatch == "" {
		return nil
	}
	fi, err := os.Stat(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if opts.IfMatch != "" {
			return fmt.Errorf("if-match %s: object absent: %w", opts.IfMatch, assets.ErrPrecondition)
		}
		return nil
	case err != nil:
		return err
	case opts.IfNoneMatch:
		return fmt.Errorf("if-none-match: object exists: %w", assets.ErrPrecondition)
	case etag(fi) != opts.IfMatch:
		return fmt.Errorf("if-match %s: etag is %s: %w", opts.IfMatch, etag(fi), assets.ErrPrecondition)
	}
	return nil
}

// locked runs fn holding the store-wide lock. Each call opens its own file
// description, so the flock excludes other goroutines as well as other
// processes, and the kernel drops it if the process dies.
func (s *Store) locked(fn func() error) error {
	p := filepath.Join(s.root, lockFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lock %s: %w", p, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", p, err)
	}
	return fn()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// etag changes on every write: each write renames a fresh file into place,
// so the key gets a new inode, and an inode number is only reused after
// its file is gone; size and mtime tell such a reuse apart unless it has
// the same size within one kernel timestamp tick. It needs no read of the
// bytes, so Stat and List stay cheap, and a Copy's hard link shares it,
// which is right: same inode, same bytes. The three are hashed: an ETag
// goes to every client, and the server's inode numbers are none of theirs.
func etag(fi fs.FileInfo) string {
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], ino)
	binary.LittleEndian.PutUint64(b[8:], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(b[16:], uint64(fi.ModTime().UnixNano()))
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:16])
}

func setMeta(f *os.File, contentType, sum string) error {
	for _, a := range []struct{ name, value string }{
		{xattrContentType, contentType},
		{xattrSHA256, sum},
	} {
		if a.value == "" {
			continue
		}
		err := syscall.Setxattr(f.Name(), a.name, []byte(a.value), 0)
		if errors.Is(err, syscall.ENOTSUP) {
			return nil // a file system without user xattrs: metadata is not kept
		}
		if err != nil {
			return fmt.Errorf("setxattr %s: %w", f.Name(), err)
		}
	}
	return nil
}

// getxattr returns "" when the attribute is absent or unreadable: the
// value is then unknown, which callers already allow for.
func getxattr(p, name string) string {
	buf := make([]byte, 128)
	n, err := syscall.Getxattr(p, name, buf)
	if errors.Is(err, syscall.ERANGE) {
		if n, err = syscall.Getxattr(p, name, nil); err == nil {
			buf = make([]byte, n)
			n, err = syscall.Getxattr(p, name, buf)
		}
	}
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func (s *Store) object(key, p string, fi fs.FileInfo) assets.Object {
	return assets.Object{
		Key:         key,
		Size:        fi.Size(),
		ETag:        etag(fi),
		ModTime:     fi.ModTime(),
		ContentType: getxattr(p, xattrContentType),
		SHA256:      getxattr(p, xattrSHA256),
	}
}

// Get returns the open file; *os.File reads, seeks and reads at offsets.
func (s *Store) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	if err := ValidKey(key); err != nil {
		return nil, assets.Object{}, fmt.Errorf("diskstore: get: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, assets.Object{}, fmt.Errorf("diskstore: get %s: %w", key, err)
	}
	p := s.path(key)
	f, err := os.Open(p)
	if err != nil {
		return nil, assets.Object{}, fmt.Errorf("diskstore: get %s: %w", key, notFound(err))
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = assets.ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, assets.Object{}, fmt.Errorf("diskstore: get %s: %w", key, err)
	}
	return f, s.object(key, p, fi), nil
}

// Stat describes key without opening it.
func (s *Store) Stat(ctx context.Context, key string) (assets.Object, error) {
	if err := ValidKey(key); err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: stat %s: %w", key, err)
	}
	p := s.path(key)
	fi, err := os.Stat(p)
	if err == nil && fi.IsDir() {
		err = assets.ErrNotFound
	}
	if err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: stat %s: %w", key, notFound(err))
	}
	return s.object(key, p, fi), nil
}

// notFound maps a missing file (or a file where a directory was expected,
// as for key "a/b" when "a" is an object) to assets.ErrNotFound.
func notFound(err error) error {
	// The OS error names a path on the server; callers name the key.
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return assets.ErrNotFound
	}
	return err
}

// List walks the tree in lexical key order without collecting it: within
// a directory, a subdirectory d sorts as "d/", which is where all its keys
// fall among its siblings' keys.
func (s *Store) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	if err := s.list(ctx, "", prefix, fn); err != nil {
		return fmt.Errorf("diskstore: list %q: %w", prefix, err)
	}
	return nil
}

func (s *Store) list(ctx context.Context, dirKey, prefix string, fn func(assets.Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := s.path(dirKey)
	if dirKey == "" {
		dir = s.root
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed while we walked
	}
	if err != nil {
		return err
	}
	type entry struct {
		key   string
		isDir bool
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, reservedPrefix) {
			continue
		}
		key := dirKey + name
		switch {
		case e.IsDir():
			key += "/"
			if !strings.HasPrefix(key, prefix) && !strings.HasPrefix(prefix, key) {
				continue
			}
		case e.Type().IsRegular():
			if !strings.HasPrefix(key, prefix) {
				continue
			}
		default:
			continue
		}
		list = append(list, entry{key, e.IsDir()})
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	for _, e := range list {
		if e.isDir {
			if err := s.list(ctx, e.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		p := s.path(e.key)
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we walked
		}
		if err != nil {
			return err
		}
		if err := fn(s.object(e.key, p, fi)); err != nil {
			return err
		}
	}
	return nil
}

// Copy hard-links src to dst, which shares the bytes and metadata without
// reading them; where links are refused it copies through Put. Either way
// dst is only created, never replaced.
func (s *Store) Copy(ctx context.Context, src, dst string) (assets.Object, error) {
	for _, k := range []string{src, dst} {
		if err := ValidKey(k); err != nil {
			return assets.Object{}, fmt.Errorf("diskstore: copy %s to %s: %w", src, dst, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: copy %s to %s: %w", src, dst, err)
	}
	sp, dp := s.path(src), s.path(dst)
	var linkErr error
	err := s.locked(func() error {
		if _, err := os.Lstat(sp); err != nil {
			return notFound(err)
		}
		if _, err := os.Lstat(dp); err == nil {
			return fmt.Errorf("destination exists: %w", assets.ErrPrecondition)
		}
		if err := os.MkdirAll(filepath.Dir(dp), 0o755); err != nil {
			return err
		}
		linkErr = os.Link(sp, dp)
		return nil
	})
	if err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: copy %s to %s: %w", src, dst, err)
	}
	if linkErr != nil {
		return s.copyBytes(ctx, src, dst)
	}
	if err := syncDir(filepath.Dir(dp)); err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: copy %s to %s: %w", src, dst, err)
	}
	return s.Stat(ctx, dst)
}

func (s *Store) copyBytes(ctx context.Context, src, dst string) (assets.Object, error) {
	r, obj, err := s.Get(ctx, src)
	if err != nil {
		return assets.Object{}, fmt.Errorf("diskstore: copy %s to %s: %w", src, dst, err)
	}
	defer r.Close()
	return s.Put(ctx, dst, r, obj.Size, assets.PutOptions{ContentType: obj.ContentType, IfNoneMatch: true})
}

// Delete removes key and then the directories it leaves empty, so the
// tree does not fill with empty folders.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return fmt.Errorf("diskstore: delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("diskstore: delete %s: %w", key, err)
	}
	err := s.locked(func() error {
		p := s.path(key)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || err == nil && fi.IsDir() {
			return nil // no object under key
		}
		if err != nil {
			return err
		}
		if err := os.Remove(p); err != nil {
			return err
		}
		for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
			if os.Remove(s.path(dir)) != nil {
				break // not empty (or already gone): stop climbing
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("diskstore: delete %s: %w", key, err)
	}
	return nil
}
