// Command mediabank is the photo and video bank of Diskominfo Tangerang.
// This file and its siblings only wire the packages together: parse flags
// and environment, open the store and the index, call into them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/gin-gonic/gin"
)

const usage = `mediabank: the photo and video bank of Diskominfo Tangerang

Usage:
  mediabank serve [--addr 127.0.0.1:8080] [--watch DIR[=COLLECTION|=*]]... [--mount-root DIR]...
  mediabank user add NAME --role ROLE [--name "Display Name"]   (password on standard input)
  mediabank user passwd NAME | role NAME ROLE | disable NAME | enable NAME | list
  mediabank token create NAME [--label L] | list NAME | revoke NAME ID
  mediabank collection create|patch|act ... --as USER (JSON on standard input) | list | get ID | sla [--csv]
  mediabank ingest [--collection ID] [--json] [--no-renditions] PATH...
  mediabank search [--json] [--facets] [--page N] [--size N] [--sort taken|-taken|name|relevance] QUERY
  mediabank reindex
  mediabank inspect [--json] PATH...
  mediabank renditions [--missing]

Global flags (before or after the command):
  --data DIR   where the embedded store and the index live (default ./data, or $MEDIABANK_DATA)

Environment: see README.md (MEDIABANK_DATA, MEDIABANK_S3_*, MEDIABANK_TZ, MEDIABANK_WORKERS, MEDIABANK_FFMPEG, MEDIABANK_FFPROBE).
`

func main() {
	// gin's mode is process-wide: set once, here, not by the packages.
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what every command is given: the configuration, the standard
// streams and the logger.
type env struct {
	cfg            *config
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

// exitError carries an exit status without printing anything more.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	// The logger, the progress bar and the messages of a run all write to
	// stderr from several goroutines.
	stderr = &lockedWriter{w: stderr}
	cmd, rest := args[0], args[1:]
	cfg, rest, err := loadConfig(rest, os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "mediabank:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	commands := map[string]func(context.Context, *env, []string) error{
		"serve":      cmdServe,
		"user":       cmdUser,
		"token":      cmdToken,
		"collection": cmdCollection,
		"ingest":     cmdIngest,
		"search":     cmdSearch,
		"reindex":    cmdReindex,
		"inspect":    cmdInspect,
		"renditions": cmdRenditions,
	}
	fn, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "mediabank: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	err = fn(ctx, &env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr, log: log}, rest)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	default:
		fmt.Fprintln(stderr, "mediabank:", err)
		return 1
	}
}

// lockedWriter serialises writes, each whole.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
