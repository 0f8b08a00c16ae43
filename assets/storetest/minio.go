// Package storetest holds what every assets.Store backend is tested with:
// the conformance suite (Run) and a real MinIO server (StartMinIO).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mediabank/internal/testkit"
)

// MinIO is a running server reachable at Endpoint (host:port, plain HTTP).
type MinIO struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	srv       *server
}

// server is the process behind a MinIO, which Stop and Start replace.
type server struct {
	bin, console, dir string
	mu                sync.Mutex
	stop              func()         // of the running process; nil while stopped
	out               testkit.Buffer // what each process printed, shown when the test fails
}

// StartMinIO starts a private `minio server` on loopback with an empty
// data directory and random credentials, waits until it serves requests,
// and stops it when tb ends. A
// missing binary skips the test, or fails it when CI=true.
func StartMinIO(tb testing.TB) MinIO {
	tb.Helper()
	bin, err := minioBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("storetest: %v", err)
		}
		tb.Skipf("storetest: %v", err)
	}
	// A free port found by listening can be taken by someone else before
	// minio binds it; then minio exits and we try again with new ports.
	var lastErr error
	for range 3 {
		m, err := startMinIO(tb, bin)
		if err == nil {
			return m
		}
		lastErr = err
	}
	tb.Fatalf("storetest: start minio: %v", lastErr)
	return MinIO{}
}

// Stop stops the server (SIGTERM, as an operator restarting it would),
// keeping its data; requests are refused until Start.
func (m MinIO) Stop(tb testing.TB) {
	tb.Helper()
	m.srv.mu.Lock()
	defer m.srv.mu.Unlock()
	if m.srv.stop != nil {
		m.srv.stop()
		m.srv.stop = nil
	}
}

// Start starts a stopped server again on the same port with the same
// data and credentials, and waits until it serves requests.
func (m MinIO) Start(tb testing.TB) {
	tb.Helper()
	m.srv.mu.Lock()
	defer m.srv.mu.Unlock()
	if m.srv.stop != nil {
		return
	}
	stop, err := m.launch()
	if err != nil {
		tb.Fatalf("storetest: restart minio: %v", err)
	}
	m.srv.stop = stop
}

func minioBinary() (string, error) {
	if p := os.Getenv("MINIO_BIN"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		for dir := range strings.SplitSeq(strings.TrimSpace(string(out)), string(os.PathListSeparator)) {
			p := filepath.Join(dir, "bin", "minio")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", errors.New("minio binary not found ($MINIO_BIN, PATH, $(go env GOPATH)/bin)")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func startMinIO(tb testing.TB, bin string) (MinIO, error) {
	addr, err := freePort()
	if err != nil {
		return MinIO{}, err
	}
	console, err := freePort()
	if err != nil {
		return MinIO{}, err
	}
	m := MinIO{Endpoint: addr, AccessKey: "u" + randomHex(8), SecretKey: randomHex(16),
		srv: &server{bin: bin, console: console, dir: tb.TempDir()}}
	stop, err := m.launch()
	if err != nil {
		return MinIO{}, err
	}
	m.srv.stop = stop
	tb.Cleanup(func() {
		m.Stop(tb)
		// A request the server refused (a 403 or 500 under load) is
		// explained in its log, if anywhere.
		if out := m.srv.out.String(); tb.Failed() && out != "" {
			tb.Logf("minio %s printed:\n%s", m.Endpoint, out[max(0, len(out)-8000):])
		}
	})
	return m, nil
}

// launch runs the server process and waits until it is ready.
func (m MinIO) launch() (stop func(), _ error) {
	bin := m.srv.bin
	cmd := exec.Command(bin, "server", "--quiet", "--address", m.Endpoint, "--console-address", m.srv.console, m.srv.dir)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	out := &m.srv.out
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	exited := make(chan struct{}) // closed when the process is gone
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	errExited := func() error { return fmt.Errorf("minio exited before it was ready: %v", waitErr) }

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// /minio/health/live answers 200 as soon as HTTP is up, before the
	// object layer and IAM are ready ("Server not initialized yet" on the
	// first request); the cluster check waits for both.
	if err := waitReady(ctx, "http://"+m.Endpoint+"/minio/health/cluster", exited, errExited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	return stop, nil
}

func waitReady(ctx context.Context, url string, exited <-chan struct{}, errExited func() error) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errExited()
		case <-ctx.Done():
			return fmt.Errorf("minio not ready at %s: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}
