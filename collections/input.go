package collections

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"mediabank/assets"
)

// Bounds on what people type, so a record stays small enough to rewrite
// on every action.
const (
	maxShort     = 200      // title, agency, place, agenda item
	maxLong      = 10_000   // description
	maxNote      = 2_000    // notes of actions
	maxNarrative = 64 << 10 // bytes of narrative text
	maxItem      = 80       // checklist item
	maxList      = 1_000    // ids in one request
	maxURL       = 2_048
)

// ParseTime reads an RFC 3339 time; one without an offset
// ("2026-08-17T09:00", seconds optional, "T" or a space) is in zone, the
// office's.
func ParseTime(s string, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q: want RFC 3339, e.g. 2026-08-17T09:00:00+07:00", ErrInvalid, s)
}

// decodeStrict decodes one JSON object, refusing unknown fields (a typo
// would otherwise be silently ignored) and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	return nil
}

type eventBody struct {
	Title       string `json:"title"`
	Agency      string `json:"agency"`
	Place       string `json:"place"`
	StartsAt    string `json:"starts_at"`
	EndsAt      string `json:"ends_at"`
	Description string `json:"description"`
	AgendaItem  string `json:"agenda_item"`
}

// DecodeEvent reads the body of a create request.
func DecodeEvent(data []byte, zone *time.Location) (Event, error) {
	var b eventBody
	if err := decodeStrict(data, &b); err != nil {
		return Event{}, err
	}
	e := Event{Title: b.Title, Agency: b.Agency, Place: b.Place, Description: b.Description, AgendaItem: b.AgendaItem}
	var err error
	if b.StartsAt != "" {
		if e.StartsAt, err = ParseTime(b.StartsAt, zone); err != nil {
			return Event{}, err
		}
	}
	if b.EndsAt != "" {
		if e.EndsAt, err = ParseTime(b.EndsAt, zone); err != nil {
			return Event{}, err
		}
	}
	return e, e.validate()
}

func (e Event) validate() error {
	if strings.TrimSpace(e.Title) == "" {
		return fmt.Errorf("%w: title is required", ErrInvalid)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"title", e.Title, maxShort}, {"agency", e.Agency, maxShort}, {"place", e.Place, maxShort},
		{"agenda_item", e.AgendaItem, maxShort}, {"description", e.Description, maxLong}} {
		if err := checkText(f.name, f.value, f.max); err != nil {
			return err
		}
	}
	if !e.StartsAt.IsZero() && !e.EndsAt.IsZero() && e.EndsAt.Before(e.StartsAt) {
		return fmt.Errorf("%w: ends_at %s is before starts_at %s", ErrInvalid,
			e.EndsAt.Format(time.RFC3339), e.StartsAt.Format(time.RFC3339))
	}
	return nil
}

func checkText(field, s string, maxRunes int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%w: %s has %d characters, at most %d", ErrInvalid, field, n, maxRunes)
	}
	return nil
}

// validUser accepts the user names of the auth package's users: letters,
// digits and . _ - @, at most 64.
func validUser(field, u string) error {
	ok := u != "" && len(u) <= 64
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%w: %s %q is not a user name", ErrInvalid, field, u)
	}
	return nil
}

func validAssets(field string, ids []string) error {
	if len(ids) > maxList {
		return fmt.Errorf("%w: %s has %d ids, at most %d", ErrInvalid, field, len(ids), maxList)
	}
	for i, id := range ids {
		if err := assets.ValidID(id); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalid, field, err)
		}
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("%w: %s lists %s twice", ErrInvalid, field, id)
		}
	}
	return nil
}

// Patch changes what people edit outside the workflow. Nil fields stay.
type Patch struct {
	Title, Agency, Place, Description, AgendaItem *string
	StartsAt, EndsAt                              *time.Time
	// Checklist ticks or unticks items, adds unknown ones, removes some.
	Checklist []CheckEdit
	Picks     *[]string // the whole ordered selection
	Cover     *string   // "" clears
	// Narrative is the new text; a change saves a new revision.
	Narrative           *string
	AddMaterial         []string
	RemoveMaterial      []string
	ApprovalDelegatedTo *string
}

// CheckEdit is one change to the checklist.
type CheckEdit struct {
	Item   string `json:"item"`
	Done   bool   `json:"done"`
	Remove bool   `json:"remove,omitempty"`
}

type patchBody struct {
	Title               *string     `json:"title"`
	Agency              *string     `json:"agency"`
	Place               *string     `json:"place"`
	StartsAt            *string     `json:"starts_at"`
	EndsAt              *string     `json:"ends_at"`
	Description         *string     `json:"description"`
	AgendaItem          *string     `json:"agenda_item"`
	Checklist           []CheckEdit `json:"checklist"`
	Picks               *[]string   `json:"picks"`
	Cover               *string     `json:"cover"`
	Narrative           *string     `json:"narrative"`
	AddMaterial         []string    `json:"add_material"`
	RemoveMaterial      []string    `json:"remove_material"`
	ApprovalDelegatedTo *string     `json:"approval_delegated_to"`
}

// DecodePatch reads the body of a PATCH request.
func DecodePatch(data []byte, zone *time.Location) (Patch, error) {
	var b patchBody
	if err := decodeStrict(data, &b); err != nil {
		return Patch{}, err
	}
	p := Patch{Title: b.Title, Agency: b.Agency, Place: b.Place, Description: b.Description,
		AgendaItem: b.AgendaItem, Checklist: b.Checklist, Picks: b.Picks, Cover: b.Cover,
		Narrative: b.Narrative, AddMaterial: b.AddMaterial, RemoveMaterial: b.RemoveMaterial,
		ApprovalDelegatedTo: b.ApprovalDelegatedTo}
	for _, f := range []struct {
		in  *string
		out **time.Time
	}{{b.StartsAt, &p.StartsAt}, {b.EndsAt, &p.EndsAt}} {
		if f.in != nil {
			t, err := ParseTime(*f.in, zone)
			if err != nil {
				return Patch{}, err
			}
			*f.out = &t
		}
	}
	return p, p.Validate()
}

// Validate checks the patch on its own; whether it fits the collection is
// checked when it is applied.
func (p Patch) Validate() error {
	if p.empty() {
		return fmt.Errorf("%w: the patch changes nothing", ErrInvalid)
	}
	if p.Title != nil && strings.TrimSpace(*p.Title) == "" {
		return fmt.Errorf("%w: title cannot be empty", ErrInvalid)
	}
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"title", p.Title, maxShort}, {"agency", p.Agency, maxShort}, {"place", p.Place, maxShort},
		{"agenda_item", p.AgendaItem, maxShort}, {"description", p.Description, maxLong}} {
		if f.value != nil {
			if err := checkText(f.name, *f.value, f.max); err != nil {
				return err
			}
		}
	}
	if len(p.Checklist) > 50 {
		return fmt.Errorf("%w: checklist has %d edits, at most 50", ErrInvalid, len(p.Checklist))
	}
	for _, e := range p.Checklist {
		if strings.TrimSpace(e.Item) == "" {
			return fmt.Errorf("%w: checklist item without a name", ErrInvalid)
		}
		if err := checkText("checklist item", e.Item, maxItem); err != nil {
			return err
		}
	}
	if p.Picks != nil {
		if err := validAssets("picks", *p.Picks); err != nil {
			return err
		}
	}
	if p.Cover != nil && *p.Cover != "" {
		if err := assets.ValidID(*p.Cover); err != nil {
			return fmt.Errorf("%w: cover: %w", ErrInvalid, err)
		}
	}
	if p.Narrative != nil {
		if !utf8.ValidString(*p.Narrative) {
			return fmt.Errorf("%w: narrative is not valid UTF-8", ErrInvalid)
		}
		if len(*p.Narrative) > maxNarrative {
			return fmt.Errorf("%w: narrative has %d bytes, at most %d", ErrInvalid, len(*p.Narrative), maxNarrative)
		}
	}
	if err := validAssets("add_material", p.AddMaterial); err != nil {
		return err
	}
	if err := validAssets("remove_material", p.RemoveMaterial); err != nil {
		return err
	}
	if p.ApprovalDelegatedTo != nil {
		if err := validUser("approval_delegated_to", *p.ApprovalDelegatedTo); err != nil {
			return err
		}
	}
	return nil
}

func (p Patch) empty() bool {
	return p.Title == nil && p.Agency == nil && p.Place == nil && p.Description == nil && p.AgendaItem == nil &&
		p.StartsAt == nil && p.EndsAt == nil && p.Checklist == nil && p.Picks == nil && p.Cover == nil &&
		p.Narrative == nil && p.AddMaterial == nil && p.RemoveMaterial == nil && p.ApprovalDelegatedTo == nil
}

// Action is one workflow step asked for. Which fields an action takes:
// note: any (kept in the history); delegate: any, from a role the policy
// lets approve outright, naming the editor who may approve; staff:
// propose_staff (required) and assign (optional: the proposal as is); to:
// return (required, with a note); channel, url, assets: publish (assets
// default to the picks).
type Action struct {
	Action   string     `json:"action"`
	Note     string     `json:"note,omitempty"`
	To       State      `json:"to,omitempty"`
	Staff    []Assignee `json:"staff,omitempty"`
	Channel  string     `json:"channel,omitempty"`
	URL      string     `json:"url,omitempty"`
	Assets   []string   `json:"assets,omitempty"`
	Delegate string     `json:"delegate,omitempty"`
}

// DecodeAction reads the body of an action request.
func DecodeAction(data []byte) (Action, error) {
	var a Action
	if err := decodeStrict(data, &a); err != nil {
		return Action{}, err
	}
	return a, a.Validate()
}

var (
	tasks    = []string{TaskPhoto, TaskVideo, TaskReporting, TaskWriting}
	channels = []string{ChannelWebsite, ChannelYouTube, ChannelInstagram, ChannelFacebook, ChannelX}
)

// Validate checks the action on its own: known, with the fields it takes
// and only those, each well formed.
func (a Action) Validate() error {
	if !slices.Contains(actions, a.Action) {
		return fmt.Errorf("%w: unknown action %q", ErrInvalid, a.Action)
	}
	unused := func(field string, set bool, takers ...string) error {
		if set && !slices.Contains(takers, a.Action) {
			return fmt.Errorf("%w: %s does not take %s", ErrInvalid, a.Action, field)
		}
		return nil
	}
	for _, err := range []error{
		unused("staff", a.Staff != nil, ActProposeStaff, ActAssign),
		unused("to", a.To != "", ActReturn),
		unused("channel", a.Channel != "", ActPublish),
		unused("url", a.URL != "", ActPublish),
		unused("assets", a.Assets != nil, ActPublish),
		checkText("note", a.Note, maxNote),
	} {
		if err != nil {
			return err
		}
	}
	if a.Delegate != "" {
		if err := validUser("delegate", a.Delegate); err != nil {
			return err
		}
	}
	switch a.Action {
	case ActProposeStaff, ActAssign:
		if a.Action == ActProposeStaff && len(a.Staff) == 0 {
			return fmt.Errorf("%w: propose_staff needs staff", ErrInvalid)
		}
		for i, s := range a.Staff {
			if err := validUser("staff user", s.User); err != nil {
				return err
			}
			if !slices.Contains(tasks, s.Task) {
				return fmt.Errorf("%w: task %q of %s: want one of %s", ErrInvalid, s.Task, s.User, strings.Join(tasks, ", "))
			}
			if slices.Contains(a.Staff[:i], s) {
				return fmt.Errorf("%w: %s is listed twice for %s", ErrInvalid, s.User, s.Task)
			}
		}
	case ActReturn:
		if strings.TrimSpace(a.Note) == "" {
			return fmt.Errorf("%w: returning needs a note saying what to fix", ErrInvalid)
		}
		if a.To != Drafting && a.To != Editing {
			return fmt.Errorf("%w: return to %q: want drafting or editing", ErrInvalid, a.To)
		}
	case ActPublish:
		if !slices.Contains(channels, a.Channel) {
			return fmt.Errorf("%w: channel %q: want one of %s", ErrInvalid, a.Channel, strings.Join(channels, ", "))
		}
		if err := validURL(a.URL); err != nil {
			return err
		}
		if err := validAssets("assets", a.Assets); err != nil {
			return err
		}
	}
	return nil
}

func validURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || len(s) > maxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: url %q: want an http or https link", ErrInvalid, s)
	}
	return nil
}
