package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id parameters of new password hashes. Each
// hash carries its own, so raising them later keeps old hashes valid.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultHashParams are OWASP's first argon2id setting (Password Storage
// Cheat Sheet: m=46 MiB, t=1, p=1). RFC 9106's memory-constrained
// recommendation (m=64 MiB, t=3, p=4) took about 0.8 s per login on the
// office's 2-core server, too slow to log in and a cheap way to tie the
// server up; this one takes about 80 ms and still costs an attacker 46 MiB
// of memory per guess. Users bounds how many hashes run at once, so the
// memory of logins is bounded too.
func DefaultHashParams() HashParams { return HashParams{Memory: 46 * 1024, Time: 1, Threads: 1} }

const (
	saltLen = 16 // RFC 9106: 128 bits
	keyLen  = 32 // RFC 9106: 256-bit tag

	// A stored hash is read from the bucket; bounding what it may ask
	// for keeps a damaged record from exhausting the server.
	maxHashMemory  = 1 << 20 // KiB: 1 GiB
	maxHashTime    = 16
	maxHashThreads = 16
)

// MinPasswordLen and MaxPasswordLen bound a password, counted in
// characters (runes). The maximum only stops absurd inputs.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password:
// $argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>, base64 without padding.
func hashPassword(password string, p HashParams) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand since Go 1.24)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return encodeHash(p, salt, key)
}

func encodeHash(p HashParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses a PHC string written by hashPassword.
func decodeHash(encoded string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("password hash: not an argon2id PHC string: %w", ErrInvalid)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("password hash: version %q: %w", parts[2], ErrInvalid)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("password hash: parameters %q: %w", parts[3], ErrInvalid)
	}
	if p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > maxHashTime ||
		p.Threads == 0 || p.Threads > maxHashThreads || p.Memory < 8*uint32(p.Threads) {
		return p, nil, nil, fmt.Errorf("password hash: parameters %q out of range: %w", parts[3], ErrInvalid)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("password hash: salt: %w", ErrInvalid)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("password hash: key: %w", ErrInvalid)
	}
	return p, salt, key, nil
}

// verifyPassword recomputes the hash with the parameters and salt stored
// in encoded and compares in constant time.
func verifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
