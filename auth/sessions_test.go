package auth

import (
	"regexp"
	"testing"
	"time"
)

func TestSessionExpiry(t *testing.T) {
	// Each step advances the clock, then calls Get.
	type step struct {
		advance time.Duration
		want    bool
	}
	tests := []struct {
		name  string
		opts  SessionOptions
		steps []step
	}{
		{"idle: used in time", SessionOptions{}, []step{
			{29 * time.Minute, true}, {29 * time.Minute, true}, {29*time.Minute + 59*time.Second, true},
		}},
		{"idle: 30 min unused", SessionOptions{}, []step{{29 * time.Minute, true}, {30 * time.Minute, false}}},
		{"idle: gone stays gone", SessionOptions{}, []step{{30 * time.Minute, false}, {0, false}}},
		{"absolute: 12 h even when used", SessionOptions{}, func() []step {
			var s []step
			for range 12*60/20 - 1 { // every 20 min up to 11 h 40 min
				s = append(s, step{20 * time.Minute, true})
			}
			return append(s, step{19 * time.Minute, true}, step{time.Minute, false})
		}()},
		{"configured", SessionOptions{Idle: time.Minute, Absolute: 3 * time.Minute}, []step{
			{50 * time.Second, true}, {50 * time.Second, true}, {50 * time.Second, true}, {30 * time.Second, false},
		}},
		{"configured idle", SessionOptions{Idle: time.Minute, Absolute: 3 * time.Minute}, []step{{time.Minute, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			tt.opts.Now = c.Now
			s := NewSessions(tt.opts)
			sess := s.New("rina")
			for i, st := range tt.steps {
				c.Advance(st.advance)
				got, ok := s.Get(sess.ID)
				if ok != st.want {
					t.Fatalf("step %d (+%s, %s after login): Get ok = %v, want %v", i, st.advance, c.Now().Sub(sess.Created), ok, st.want)
				}
				if ok && (!got.LastSeen.Equal(c.Now()) || got.User != "rina" || got.CSRF != sess.CSRF) {
					t.Errorf("step %d: Get = %+v", i, got)
				}
				if !ok && s.Len() != 0 {
					t.Errorf("step %d: the expired session is still held", i)
				}
			}
		})
	}
}

func TestSessions(t *testing.T) {
	c := newClock()
	s := NewSessions(SessionOptions{Now: c.Now})
	id := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	a1 := s.New("rina")
	a2 := s.New("rina") // a second login: a fresh id
	b := s.New("budi")
	for _, sess := range []Session{a1, a2, b} {
		if !id.MatchString(sess.ID) || !id.MatchString(sess.CSRF) {
			t.Errorf("session %+v: want 32-byte base64url id and CSRF token", sess)
		}
	}
	if a1.ID == a2.ID || a1.CSRF == a2.CSRF || a1.ID == a1.CSRF {
		t.Errorf("ids or tokens repeat: %+v %+v", a1, a2)
	}
	if _, ok := s.Get("not-an-id"); ok {
		t.Error("Get of an unknown id: ok")
	}
	s.Delete(a1.ID)
	if _, ok := s.Get(a1.ID); ok {
		t.Error("Get after Delete: ok")
	}
	if n := s.DeleteUser("rina"); n != 1 {
		t.Errorf("DeleteUser(rina) = %d, want 1", n)
	}
	if _, ok := s.Get(a2.ID); ok {
		t.Error("rina's session after DeleteUser: ok")
	}
	if _, ok := s.Get(b.ID); !ok {
		t.Error("budi's session after DeleteUser(rina): gone")
	}
}

func TestSessionsBounded(t *testing.T) {
	c := newClock()
	s := NewSessions(SessionOptions{Max: 3, Now: c.Now})
	var ids []string
	for range 3 {
		ids = append(ids, s.New("rina").ID)
		c.Advance(time.Minute)
	}
	s.Get(ids[0]) // now the least recently seen is ids[1]
	s.New("budi")
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	for i, want := range []bool{true, false, true} {
		if _, ok := s.Get(ids[i]); ok != want {
			t.Errorf("session %d kept = %v, want %v", i, ok, want)
		}
	}
	// Expired sessions make room before live ones are dropped.
	c.Advance(29 * time.Minute)
	s.Get(ids[0])
	c.Advance(2 * time.Minute) // ids[2] and budi's are idle now
	s.New("budi")
	if _, ok := s.Get(ids[0]); !ok || s.Len() != 2 {
		t.Errorf("after eviction of the expired: ids[0] kept %v, Len %d; want true, 2", ok, s.Len())
	}
}

func TestValidCSRF(t *testing.T) {
	sess := NewSessions(SessionOptions{}).New("rina")
	tests := []struct {
		name  string
		sess  Session
		token string
		want  bool
	}{
		{"same", sess, sess.CSRF, true},
		{"other", sess, NewSessions(SessionOptions{}).New("rina").CSRF, false},
		{"prefix", sess, sess.CSRF[:20], false},
		{"empty", sess, "", false},
		{"no session", Session{}, "", false},
	}
	for _, tt := range tests {
		if got := ValidCSRF(tt.sess, tt.token); got != tt.want {
			t.Errorf("%s: ValidCSRF = %v, want %v", tt.name, got, tt.want)
		}
	}
}
