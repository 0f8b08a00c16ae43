package ingest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// errLink is a card file, or a folder on its way, that is a symbolic link
// (or was swapped for one after the walk): never followed, so nothing
// outside the ingested root is read.
var errLink = errors.New("a symbolic link (not followed: only files on the card are read)")

// openBeneath opens root/rel for reading one step at a time, every step
// with O_NOFOLLOW: a symbolic link anywhere below root, there at the walk
// or swapped in since, is refused rather than followed. The file is
// opened with O_NONBLOCK so a FIFO put in its place cannot hang the
// worker; callers check the opened file with fstat (regularFile).
func openBeneath(root, rel string) (*os.File, error) {
	full := filepath.Join(root, filepath.FromSlash(rel))
	fail := func(err error) (*os.File, error) {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			err = errLink
		}
		return nil, &fs.PathError{Op: "open", Path: full, Err: err}
	}
	dir, err := openat(unix.AT_FDCWD, root, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fail(err)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for i, name := range parts {
		if name == "" || name == "." || name == ".." {
			unix.Close(dir)
			return fail(fmt.Errorf("path element %q", name))
		}
		flags := unix.O_RDONLY | unix.O_NOFOLLOW
		if i < len(parts)-1 {
			flags |= unix.O_DIRECTORY
		} else {
			flags |= unix.O_NONBLOCK
		}
		fd, err := openat(dir, name, flags)
		unix.Close(dir)
		if err != nil {
			return fail(err)
		}
		dir = fd
	}
	return os.NewFile(uintptr(dir), full), nil
}

func openat(dir int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}

// regularFile checks what was opened, not the path: a regular file, and
// when the walk saw it (want), the very file the walk saw, not one put in
// its place since.
func regularFile(f *os.File, want fs.FileInfo) (fs.FileInfo, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("open: %w", errNotRegular)
	}
	if want != nil && !os.SameFile(info, want) {
		return nil, fmt.Errorf("open: %w", errReplaced)
	}
	return info, nil
}

var errReplaced = errors.New("replaced by another file after the folder was listed")

// openCardFile opens a file the walk found, as described above.
func openCardFile(f file) (*os.File, fs.FileInfo, error) {
	src, err := openBeneath(f.root, f.rel)
	if err != nil {
		return nil, nil, err
	}
	info, err := regularFile(src, f.info)
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	return src, info, nil
}

// readSidecar reads the XMP sidecar of f, if it has one beside it on the
// card: IMG_0001.xmp (Lightroom, Photo Mechanic) or IMG_0001.CR2.xmp
// (darktable), in either case, at most limit bytes. It is opened as card
// files are; a sidecar that is a link is reported, not read.
func readSidecar(f file, limit int64) (name string, data []byte, err error) {
	base := strings.TrimSuffix(f.rel, filepath.Ext(f.rel))
	for _, rel := range []string{base + ".xmp", base + ".XMP", f.rel + ".xmp", f.rel + ".XMP"} {
		src, err := openBeneath(f.root, rel)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		name = filepath.Base(rel)
		if err != nil {
			return name, nil, err
		}
		defer src.Close()
		if _, err := regularFile(src, nil); err != nil {
			return name, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(src, limit+1))
		if err != nil {
			return name, nil, err
		}
		if int64(len(data)) > limit {
			return name, nil, fmt.Errorf("larger than %d bytes", limit)
		}
		return name, data, nil
	}
	return "", nil, nil
}

// openedPath names an open file for a program that reads by path
// (ffprobe): /proc/<pid>/fd/<n> opens the very file we hold, wherever its
// name points now. Elsewhere than Linux it is the file's name.
func openedPath(f *os.File) string {
	p := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
	if _, err := os.Stat(p); err != nil {
		return f.Name()
	}
	return p
}
