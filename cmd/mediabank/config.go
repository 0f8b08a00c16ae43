package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/assets/retry"
	"mediabank/assets/s3store"
	"mediabank/internal/office"
	"mediabank/metadata"
	"mediabank/renditions"
	"mediabank/search"
)

// config is everything mediabank reads from flags and the environment.
// Every field is documented in README.md.
type config struct {
	DataDir string
	S3      s3store.Config // used when S3.Endpoint is set
	Zone    *time.Location
	Workers int
	// MaxBuffered: files up to this size are read into memory whole.
	MaxBuffered int64
	FFmpeg      string
	FFprobe     string
	LogLevel    slog.Level
	// StoreRetry caps how long one store operation is retried through
	// transient faults (0: not retried).
	StoreRetry time.Duration
	// Decodes bounds the memory of decoding pictures: one budget for the
	// whole process, shared by the ingest and the server's requests.
	Decodes *renditions.Budget
}

// loadConfig reads the environment, then takes the global --data flag out
// of args wherever it stands and returns the rest.
func loadConfig(args []string, getenv func(string) string) (*config, []string, error) {
	cfg := &config{DataDir: "data", LogLevel: slog.LevelWarn}
	if v := getenv("MEDIABANK_DATA"); v != "" {
		cfg.DataDir = v
	}
	rest, err := takeDataFlag(args, cfg)
	if err != nil {
		return nil, nil, err
	}

	tz := getenv("MEDIABANK_TZ")
	if tz == "" {
		tz = office.ZoneName
	}
	zone, err := time.LoadLocation(tz)
	if err != nil {
		return nil, nil, fmt.Errorf("MEDIABANK_TZ=%q: %w", tz, err)
	}
	cfg.Zone = zone

	workers, err := envInt(getenv, "MEDIABANK_WORKERS", 8, 1, 64, "a number from 1 to 64")
	if err != nil {
		return nil, nil, err
	}
	cfg.Workers = int(workers)
	if cfg.MaxBuffered, err = envInt(getenv, "MEDIABANK_MAX_BUFFERED", 0, 1, math.MaxInt64, "a size in bytes"); err != nil {
		return nil, nil, err
	}
	cfg.StoreRetry = 30 * time.Second
	if v := getenv("MEDIABANK_STORE_RETRY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, nil, fmt.Errorf("MEDIABANK_STORE_RETRY=%q: want a duration such as 30s (0 to not retry)", v)
		}
		cfg.StoreRetry = d
	}
	if v := getenv("MEDIABANK_LOG"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return nil, nil, fmt.Errorf("MEDIABANK_LOG=%q: want debug, info, warn or error", v)
		}
	}
	budget, err := envInt(getenv, "MEDIABANK_DECODE_BUDGET", renditions.DefaultDecodeBudget, 16<<20, math.MaxInt64,
		"a size in bytes, at least 16777216 (16 MiB)")
	if err != nil {
		return nil, nil, err
	}
	decodes, err := envInt(getenv, "MEDIABANK_DECODES", int64(runtime.GOMAXPROCS(0)), 1, 64, "a number from 1 to 64")
	if err != nil {
		return nil, nil, err
	}
	cfg.Decodes = renditions.NewBudget(budget, int(decodes))
	cfg.FFmpeg = tool(getenv("MEDIABANK_FFMPEG"), "ffmpeg")
	cfg.FFprobe = tool(getenv("MEDIABANK_FFPROBE"), "ffprobe")

	if cfg.S3, err = loadS3(getenv); err != nil {
		return nil, nil, err
	}
	return cfg, rest, nil
}

// takeDataFlag takes the global --data flag out of args wherever it
// stands (up to "--") into cfg.DataDir and returns the rest.
func takeDataFlag(args []string, cfg *config) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--data" || a == "-data":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("--data needs a folder")
			}
			cfg.DataDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--data="), strings.HasPrefix(a, "-data="):
			cfg.DataDir = a[strings.Index(a, "=")+1:]
		case a == "--":
			return append(rest, args[i:]...), nil
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// envInt reads the whole number in variable name, def when unset; one
// outside [lo, hi] is an error saying what is wanted.
func envInt(getenv func(string) string, name string, def, lo, hi int64, want string) (int64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want %s", name, v, want)
	}
	return n, nil
}

// loadS3 reads the S3 settings; with no endpoint the embedded store is used.
func loadS3(getenv func(string) string) (s3store.Config, error) {
	s3 := s3store.Config{
		Endpoint:  getenv("MEDIABANK_S3_ENDPOINT"),
		Bucket:    getenv("MEDIABANK_S3_BUCKET"),
		AccessKey: getenv("MEDIABANK_S3_ACCESS_KEY"),
		SecretKey: getenv("MEDIABANK_S3_SECRET_KEY"),
		Region:    getenv("MEDIABANK_S3_REGION"),
	}
	if s3.Endpoint != "" {
		if s3.Bucket == "" {
			s3.Bucket = "mediabank"
		}
		if s3.AccessKey == "" || s3.SecretKey == "" {
			return s3, fmt.Errorf("MEDIABANK_S3_ENDPOINT is set: MEDIABANK_S3_ACCESS_KEY and MEDIABANK_S3_SECRET_KEY are needed too")
		}
		// TLS unless the server is on this machine, where MinIO usually
		// runs without it; MEDIABANK_S3_TLS decides when set.
		s3.TLS = !isLoopback(s3.Endpoint)
		if v := getenv("MEDIABANK_S3_TLS"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return s3, fmt.Errorf("MEDIABANK_S3_TLS=%q: want true or false", v)
			}
			s3.TLS = b
		}
	}
	return s3, nil
}

// tool finds an external program: the configured path, else PATH; ""
// when it is not installed ("off" turns it off).
func tool(configured, name string) string {
	if configured == "off" {
		return ""
	}
	if configured != "" {
		return configured
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

func isLoopback(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		host = endpoint
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openStore opens the bucket: S3 when configured, else the folder under
// the data directory; transient faults are retried for StoreRetry.
func (c *config) openStore(ctx context.Context, log *slog.Logger) (assets.Store, error) {
	var (
		store assets.Store
		err   error
	)
	if c.S3.Endpoint != "" {
		store, err = s3store.Open(ctx, c.S3)
	} else {
		store, err = diskstore.Open(ctx, filepath.Join(c.DataDir, "bank"))
	}
	if err != nil || c.StoreRetry == 0 {
		return store, err
	}
	return retry.New(store, retry.Options{MaxElapsed: c.StoreRetry, Logger: log}), nil
}

func (c *config) indexPath() string { return filepath.Join(c.DataDir, "index") }

func (c *config) openIndex(log *slog.Logger) (*search.Index, error) {
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", c.DataDir, err)
	}
	return search.Open(c.indexPath(), search.Options{Zone: c.Zone, Logger: log})
}

func (c *config) extractor() *metadata.Extractor {
	return &metadata.Extractor{Zone: c.Zone, FFprobe: c.FFprobe}
}

func (c *config) renderer() *renditions.Maker {
	return &renditions.Maker{FFmpeg: c.FFmpeg, Budget: c.Decodes}
}
