package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	encoded := hashPassword("kamera-canon-r6", cheapHash)
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q: want a PHC argon2id string with its parameters", encoded)
	}
	if again := hashPassword("kamera-canon-r6", cheapHash); again == encoded {
		t.Error("two hashes of one password are equal: no random salt")
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"kamera-canon-r6", true},
		{"kamera-canon-r7", false},
		{"Kamera-canon-r6", false},
		{"kamera-canon-r6 ", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := verifyPassword(tt.password, encoded)
		if err != nil || got != tt.want {
			t.Errorf("verifyPassword(%q) = %v, %v; want %v", tt.password, got, err, tt.want)
		}
	}
}

func TestDecodeHashRefuses(t *testing.T) {
	good := hashPassword("kamera-canon-r6", cheapHash)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no parameters", "$argon2id$v=19$" + salt + "$" + key},
		{"memory too large", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key},
		{"too many passes", "$argon2id$v=19$m=64,t=100,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"memory below 8 per thread", "$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key},
		{"bad salt", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA"},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		if _, err := verifyPassword("kamera-canon-r6", tt.encoded); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: verifyPassword(%q) error = %v, want ErrInvalid", tt.name, tt.encoded, err)
		}
	}
}

// BenchmarkHashPassword measures a login's cost with the default
// parameters.
func BenchmarkHashPassword(b *testing.B) {
	p := DefaultHashParams()
	for b.Loop() {
		hashPassword("kamera-canon-r6", p)
	}
}
