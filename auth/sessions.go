package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	"mediabank/internal/defaults"
)

// Session is a logged-in browser.
type Session struct {
	ID       string // 32 random bytes, base64url: the cookie value
	User     string
	Created  time.Time
	LastSeen time.Time
	// CSRF is sent with every form and checked with ValidCSRF.
	CSRF string
}

// SessionOptions tune Sessions; the zero value gives the defaults.
type SessionOptions struct {
	// Idle ends a session unused this long (30 min).
	Idle time.Duration
	// Absolute ends a session this long after login, used or not (12 h):
	// a stolen cookie does not live forever.
	Absolute time.Duration
	// Max bounds the sessions kept (10000); past it the least recently
	// seen one is dropped.
	Max int
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Sessions are the server-side sessions of one process, in memory only:
// they do not survive a restart, and several mediabank nodes do not share
// them. That is the trade-off we chose: nothing to store, nothing to leak
// from the bucket, no clean-up of stale records; after a restart people
// log in again. It is safe for concurrent use.
type Sessions struct {
	idle, absolute time.Duration
	max            int
	now            func() time.Time

	mu   sync.Mutex
	byID map[string]*Session
}

// NewSessions makes an empty set of sessions.
func NewSessions(opts SessionOptions) *Sessions {
	defaults.Positive(&opts.Idle, 30*time.Minute)
	defaults.Positive(&opts.Absolute, 12*time.Hour)
	defaults.Positive(&opts.Max, 10000)
	opts.Now = defaults.Clock(opts.Now)
	return &Sessions{idle: opts.Idle, absolute: opts.Absolute, max: opts.Max, now: opts.Now, byID: map[string]*Session{}}
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// New starts a session for user. Every login gets a fresh id, so an id
// planted in a browser before login (session fixation) is worth nothing.
func (s *Sessions) New(user string) Session {
	now := s.now()
	sess := &Session{ID: randomID(), User: user, Created: now, LastSeen: now, CSRF: randomID()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= s.max {
		s.evictLocked(now)
	}
	s.byID[sess.ID] = sess
	return *sess
}

func (s *Sessions) expired(sess *Session, now time.Time) bool {
	return now.Sub(sess.LastSeen) >= s.idle || now.Sub(sess.Created) >= s.absolute
}

// evictLocked makes room: it drops the expired sessions, and if none had
// expired, the least recently seen one.
func (s *Sessions) evictLocked(now time.Time) {
	var oldest *Session
	for id, sess := range s.byID {
		if s.expired(sess, now) {
			delete(s.byID, id)
		} else if oldest == nil || sess.LastSeen.Before(oldest.LastSeen) {
			oldest = sess
		}
	}
	if len(s.byID) >= s.max && oldest != nil {
		delete(s.byID, oldest.ID)
	}
}

// Get returns the live session id and marks it seen now. An unknown or
// expired id gives false; an expired session is removed.
func (s *Sessions) Get(id string) (Session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return Session{}, false
	}
	if s.expired(sess, now) {
		delete(s.byID, id)
		return Session{}, false
	}
	sess.LastSeen = now
	return *sess, true
}

// Delete ends session id (logout).
func (s *Sessions) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// DeleteUser ends every session of user, after a password change or when
// the account is disabled, and says how many it ended.
func (s *Sessions) DeleteUser(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, sess := range s.byID {
		if sess.User == user {
			delete(s.byID, id)
			n++
		}
	}
	return n
}

// Len is the number of sessions held, expired ones not yet removed
// included.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// ValidCSRF checks a form's CSRF token against the session's in constant
// time.
func ValidCSRF(sess Session, token string) bool {
	return sess.CSRF != "" && subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(token)) == 1
}
