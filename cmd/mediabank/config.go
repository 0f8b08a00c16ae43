package main

import (
	"context"
	"fmt"
	"log/slog"
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
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--data" || a == "-data":
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--data needs a folder")
			}
			cfg.DataDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--data="), strings.HasPrefix(a, "-data="):
			cfg.DataDir = a[strings.Index(a, "=")+1:]
		case a == "--":
			rest = append(rest, args[i:]...)
			i = len(args)
		default:
			rest = append(rest, a)
		}
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

	cfg.Workers = 8
	if v := getenv("MEDIABANK_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return nil, nil, fmt.Errorf("MEDIABANK_WORKERS=%q: want a number from 1 to 64", v)
		}
		cfg.Workers = n
	}
	if v := getenv("MEDIABANK_MAX_BUFFERED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("MEDIABANK_MAX_BUFFERED=%q: want a size in bytes", v)
		}
		cfg.MaxBuffered = n
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
	budget := int64(renditions.DefaultDecodeBudget)
	if v := getenv("MEDIABANK_DECODE_BUDGET"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 16<<20 {
			return nil, nil, fmt.Errorf("MEDIABANK_DECODE_BUDGET=%q: want a size in bytes, at least 16777216 (16 MiB)", v)
		}
		budget = n
	}
	decodes := runtime.GOMAXPROCS(0)
	if v := getenv("MEDIABANK_DECODES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return nil, nil, fmt.Errorf("MEDIABANK_DECODES=%q: want a number from 1 to 64", v)
		}
		decodes = n
	}
	cfg.Decodes = renditions.NewBudget(budget, decodes)
	cfg.FFmpeg = tool(getenv("MEDIABANK_FFMPEG"), "ffmpeg")
	cfg.FFprobe = tool(getenv("MEDIABANK_FFPROBE"), "ffprobe")

	cfg.S3 = s3store.Config{
		Endpoint:  getenv("MEDIABANK_S3_ENDPOINT"),
		Bucket:    getenv("MEDIABANK_S3_BUCKET"),
		AccessKey: getenv("MEDIABANK_S3_ACCESS_KEY"),
		SecretKey: getenv("MEDIABANK_S3_SECRET_KEY"),
		Region:    getenv("MEDIABANK_S3_REGION"),
	}
	if cfg.S3.Endpoint != "" {
		if cfg.S3.Bucket == "" {
			cfg.S3.Bucket = "mediabank"
		}
		if cfg.S3.AccessKey == "" || cfg.S3.SecretKey == "" {
			return nil, nil, fmt.Errorf("MEDIABANK_S3_ENDPOINT is set: MEDIABANK_S3_ACCESS_KEY and MEDIABANK_S3_SECRET_KEY are needed too")
		}
		// TLS unless the server is on this machine, where MinIO usually
		// runs without it; MEDIABANK_S3_TLS decides when set.
		cfg.S3.TLS = !isLoopback(cfg.S3.Endpoint)
		if v := getenv("MEDIABANK_S3_TLS"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, nil, fmt.Errorf("MEDIABANK_S3_TLS=%q: want true or false", v)
			}
			cfg.S3.TLS = b
		}
	}
	return cfg, rest, nil
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
