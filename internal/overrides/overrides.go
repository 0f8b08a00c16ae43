// Package overrides reads the JSON files an admin writes to change a
// built-in table (the policy, the channel presets): small, bounded, and
// refused whole when malformed.
package overrides

import (
	"encoding/json"
	"fmt"
	"io"
)

// MaxSize bounds what Decode reads: an override file is a few KB.
const MaxSize = 64 << 10

// Decode reads at most MaxSize bytes of JSON from r into v. What names the
// table in errors ("policy"); invalid is the error kind that a file too
// large or not JSON is wrapped in, so callers keep their own vocabulary.
func Decode(r io.Reader, what string, invalid error, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	if len(data) > MaxSize {
		return fmt.Errorf("load %s: larger than %d bytes: %w", what, MaxSize, invalid)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("load %s: %w: %w", what, invalid, err)
	}
	return nil
}
