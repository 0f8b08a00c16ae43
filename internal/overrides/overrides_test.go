package overrides

import (
	"errors"
	"strings"
	"testing"
)

var errInvalid = errors.New("invalid")

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]int
		wantErr bool
	}{
		{"object", `{"a": 1, "b": 2}`, map[string]int{"a": 1, "b": 2}, false},
		{"empty object", `{}`, map[string]int{}, false},
		{"not JSON", `{"a":`, nil, true},
		{"wrong type", `{"a": "x"}`, nil, true},
		{"too large", `{"a": 1` + strings.Repeat(" ", MaxSize) + `}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]int
			err := Decode(strings.NewReader(tt.in), "table", errInvalid, &got)
			if tt.wantErr {
				if !errors.Is(err, errInvalid) || !strings.HasPrefix(err.Error(), "load table: ") {
					t.Fatalf("error = %v, want one that names the table and wraps the invalid kind", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("got[%q] = %d, want %d", k, got[k], v)
				}
			}
		})
	}
}
