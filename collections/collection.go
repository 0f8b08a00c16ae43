// Package collections carries the office's SOP "Peliputan dan Publikasi"
// on collections: one coverage of an event is one collection, stored as
// the JSON record collections/<id>.json and changed only by conditional
// writes, so two people acting at once cannot overwrite each other.
//
// The workflow (states, actions, SOP steps) is the table in workflow.go.
// Role decisions come from a Policy; the rules that depend on the record
// (assigned staff, narrative authors, delegated approval, locks) live here.
package collections

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"time"

	"mediabank/auth"
)

// Prefix is where collection records live in the bucket.
const Prefix = "collections/"

// Key is the record key of collection id.
func Key(id string) string { return Prefix + id + ".json" }

var idPattern = regexp.MustCompile(`^lip-[0-9]{8}-[0-9a-f]{6}$`)

// ValidID checks an id from a user before it becomes part of a key:
// "lip-" (liputan), the event date, and a random suffix.
func ValidID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%w: collection id %q: want lip-YYYYMMDD-xxxxxx", ErrInvalid, id)
	}
	return nil
}

func newID(date time.Time, zone *time.Location) string {
	var b [3]byte
	rand.Read(b[:])
	return "lip-" + date.In(zone).Format("20060102") + "-" + hex.EncodeToString(b[:])
}

// Actor is who asks: a user name and their role.
type Actor struct {
	User string
	Role string
}

// Policy decides what a role may do, by policy action name
// ("collection.approve", "collection.edit", ...).
type Policy interface {
	Decide(role, action string) auth.Decision
}

// PolicyFunc adapts a function to a Policy.
type PolicyFunc func(role, action string) auth.Decision

func (f PolicyFunc) Decide(role, action string) auth.Decision { return f(role, action) }

// Event is what is covered. Its fields sit at the top level of the record.
type Event struct {
	Title       string    `json:"title"`
	Agency      string    `json:"agency,omitempty"` // SKPD / OPD
	Place       string    `json:"place,omitempty"`
	StartsAt    time.Time `json:"starts_at,omitzero"`
	EndsAt      time.Time `json:"ends_at,omitzero"`
	Description string    `json:"description,omitempty"`
	AgendaItem  string    `json:"agenda_item,omitempty"`
}

// Collection is the record of one coverage.
type Collection struct {
	ID string `json:"id"`
	// Version counts writes. It makes every write change the bytes, so a
	// store whose ETag hashes the content (S3) still sees a new ETag.
	Version int `json:"version"`
	Event
	State State `json:"state"`
	// PostponedFrom is where resume goes back to.
	PostponedFrom State         `json:"postponed_from,omitempty"`
	Order         *Order        `json:"order,omitempty"`
	ProposedStaff []StaffMember `json:"proposed_staff,omitempty"`
	AssignedStaff []StaffMember `json:"assigned_staff,omitempty"`
	Checklist     []CheckItem   `json:"checklist"`
	Material      []string      `json:"material,omitempty"` // asset ids
	Picks         []string      `json:"picks,omitempty"`    // ordered, a subset of Material
	Cover         string        `json:"cover,omitempty"`    // one of Picks
	Narrative     Narrative     `json:"narrative"`
	Reviews       []Review      `json:"reviews,omitempty"`
	Publications  []Publication `json:"publications,omitempty"`
	Exports       []Export      `json:"exports,omitempty"`
	Archive       *Archive      `json:"archive,omitempty"`
	// ApprovalDelegatedTo is the editor who may approve on the head's behalf.
	ApprovalDelegatedTo string    `json:"approval_delegated_to,omitempty"`
	History             []Step    `json:"history"`
	CreatedAt           time.Time `json:"created_at"`
	CreatedBy           string    `json:"created_by"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// Order is the head's disposition to cover the event.
type Order struct {
	Note string    `json:"note,omitempty"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Tasks of coverage staff.
const (
	TaskPhoto     = "photo"
	TaskVideo     = "video"
	TaskReporting = "reporting"
	TaskWriting   = "writing"
)

// Assignee is a user with a task.
type Assignee struct {
	User string `json:"user"`
	Task string `json:"task"`
}

// StaffMember is an assignee as proposed or assigned, by whom and when.
type StaffMember struct {
	Assignee
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// CheckItem is one line of the equipment checklist.
type CheckItem struct {
	Item string    `json:"item"`
	Done bool      `json:"done"`
	By   string    `json:"by,omitempty"`
	At   time.Time `json:"at,omitzero"`
}

// DefaultChecklist is the SOP's equipment list (step 4).
func DefaultChecklist() []CheckItem {
	return []CheckItem{{Item: "camera"}, {Item: "video camera"}, {Item: "recorder"},
		{Item: "notes"}, {Item: "supporting documents"}}
}

// Narrative is the news text: the current text and every revision.
type Narrative struct {
	Text      string     `json:"text"`
	Revisions []Revision `json:"revisions,omitempty"`
}

// Revision is one saved version of the narrative, numbered from 1.
type Revision struct {
	Rev  int       `json:"rev"`
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	// TextDropped: the text was let go to bound the record (see
	// MaxRevisionBytes); who saved it and when are kept.
	TextDropped bool `json:"text_dropped,omitempty"`
}

// MaxRevisionBytes bounds the text of the revisions kept in a record, and
// MaxRevisions their number: every read of the collection carries them.
// Past the budget the oldest texts are let go, never the newest one; past
// MaxRevisions the narrative takes no more saves.
const (
	MaxRevisionBytes = 256 << 10
	MaxRevisions     = 500
)

// trim lets go of the texts of the oldest revisions past MaxRevisionBytes.
func (n *Narrative) trim() {
	total := 0
	for i := len(n.Revisions) - 1; i >= 0; i-- {
		r := &n.Revisions[i]
		total += len(r.Text)
		if total > MaxRevisionBytes && i < len(n.Revisions)-1 {
			r.Text, r.TextDropped = "", true
		}
	}
}

// wroteNarrative tells whether user wrote any revision of the narrative.
func (n Narrative) wroteNarrative(user string) bool {
	return slices.ContainsFunc(n.Revisions, func(r Revision) bool { return r.By == user })
}

// Diff is the line diff from revision a to revision b.
func (n Narrative) Diff(a, b int) (string, error) {
	// Revision 0 is the empty page before the first draft, so the first
	// revision can be shown as a diff too.
	text := func(r int) string {
		if r == 0 {
			return ""
		}
		return n.Revisions[r-1].Text
	}
	if a < 0 || a > len(n.Revisions) || b < 0 || b > len(n.Revisions) {
		return "", fmt.Errorf("%w: narrative diff %d..%d: revisions are 0..%d", ErrInvalid, a, b, len(n.Revisions))
	}
	for _, r := range []int{a, b} {
		if r > 0 && n.Revisions[r-1].TextDropped {
			return "", fmt.Errorf("%w: narrative diff %d..%d: the text of revision %d is no longer kept", ErrInvalid, a, b, r)
		}
	}
	return LineDiff(text(a), text(b)), nil
}

// Review decisions.
const (
	DecisionApprove = "approve"
	DecisionReturn  = "return"
)

// Review is a decision in step 10.
type Review struct {
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
	ToState  State     `json:"to_state"`
}

// Publication channels (step 11).
const (
	ChannelWebsite   = "website"
	ChannelYouTube   = "youtube"
	ChannelInstagram = "instagram"
	ChannelFacebook  = "facebook"
	ChannelX         = "x"
)

// Publication is the coverage published on one channel.
type Publication struct {
	Channel string    `json:"channel"`
	URL     string    `json:"url"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Assets  []string  `json:"assets,omitempty"`
}

// Archive records the filing into the bank (step 12); picks and
// narrative are locked from then on.
type Archive struct {
	At time.Time `json:"at"`
	By string    `json:"by"`
}

// Step is one entry of the history: a period in one state, working on
// SOP steps Span (Step 0: waiting, outside the SOP). The last entry is open
// (End nil) until the next action, except in archived and cancelled.
type Step struct {
	Span
	Name      string     `json:"name"`
	State     State      `json:"state"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end,omitempty"`
	StartedBy string     `json:"started_by"`
	EndedBy   string     `json:"ended_by,omitempty"`
	EndedWith string     `json:"ended_with,omitempty"` // the action that ended it
	Note      string     `json:"note,omitempty"`       // that action's note
}

// open is the open history entry, or nil.
func (c *Collection) open() *Step {
	if n := len(c.History); n > 0 && c.History[n-1].End == nil {
		return &c.History[n-1]
	}
	return nil
}

// moveTo ends the open step and enters state to, opening its step.
func (c *Collection) moveTo(to State, action, note string, who Actor, now time.Time) {
	if s := c.open(); s != nil {
		end := now
		s.End, s.EndedBy, s.EndedWith, s.Note = &end, who.User, action, note
	}
	c.State = to
	if to == Archived || to == Cancelled {
		return
	}
	info := workflow[to]
	c.History = append(c.History, Step{
		Span: Span{info.step, info.through}, Name: info.name, State: to, Start: now, StartedBy: who.User,
	})
}

func (c *Collection) isAssigned(user string) bool {
	return slices.ContainsFunc(c.AssignedStaff, func(m StaffMember) bool { return m.User == user })
}
