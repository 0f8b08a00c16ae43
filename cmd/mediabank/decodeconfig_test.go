package main

import (
	"strings"
	"testing"

	"mediabank/renditions"
)

// TestDecodeBudgetConfig checks how MEDIABANK_DECODE_BUDGET and
// MEDIABANK_DECODES configure the one decode budget of the process.
func TestDecodeBudgetConfig(t *testing.T) {
	tests := []struct {
		env      map[string]string
		wantSize int64
		wantErr  string
	}{
		{nil, renditions.DefaultDecodeBudget, ""},
		{map[string]string{"MEDIABANK_DECODE_BUDGET": "1073741824", "MEDIABANK_DECODES": "1"}, 1 << 30, ""},
		{map[string]string{"MEDIABANK_DECODE_BUDGET": "1000"}, 0, "at least 16777216"},
		{map[string]string{"MEDIABANK_DECODE_BUDGET": "1G"}, 0, "MEDIABANK_DECODE_BUDGET"},
		{map[string]string{"MEDIABANK_DECODES": "0"}, 0, "MEDIABANK_DECODES"},
	}
	for _, tt := range tests {
		cfg, _, err := loadConfig(nil, func(k string) string { return tt.env[k] })
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: error %v, want one saying %q", tt.env, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("%v: %v", tt.env, err)
		case cfg.Decodes.Size() != tt.wantSize:
			t.Errorf("%v: budget of %d bytes, want %d", tt.env, cfg.Decodes.Size(), tt.wantSize)
		case cfg.renderer().Budget != cfg.renderer().Budget:
			t.Errorf("%v: each renderer has its own budget; serve needs one for all", tt.env)
		}
	}
}
