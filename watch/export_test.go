package watch

import "io/fs"

// SetObserved lets the tests outside the package hear of every file state
// the watcher records (Config.observed).
func SetObserved(cfg *Config, fn func(path string, info fs.FileInfo)) {
	cfg.observed = fn
}
