package collections

import (
	"errors"
	"slices"
)

// Offer is one workflow action as a user sees it on a collection: allowed,
// or refused with the reason to show ("only the staff assigned to … may
// equipment_ready", "role "staff" may not collection.approve").
type Offer struct {
	Action  string `json:"action"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	// Code classes the refusal (RefusedPolicy, RefusedNotAssigned, …).
	Code string `json:"code,omitempty"`
}

// Capability is one thing a user may or may not do to a collection besides
// its workflow actions, with the reason when not.
type Capability struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	Code    string `json:"code,omitempty"`
}

// Options is what a user may do next with a collection: the workflow
// actions its state offers, in SOP order, each allowed or refused, and the
// edits the record takes. The pages and the API render it; the checks are
// the ones Act and Patch make, so what is offered is what succeeds (bar
// the record's own content: an empty narrative, an unticked checklist).
type Options struct {
	Actions []Offer      `json:"actions"`
	May     Capabilities `json:"may"`
	// Tasks and Channels are the choices propose_staff and publish take.
	Tasks    []string `json:"tasks"`
	Channels []string `json:"channels"`
}

// Capabilities are the edits a user may make to a collection.
type Capabilities struct {
	// Edit: the event, picks, cover and material (PATCH).
	Edit Capability `json:"edit"`
	// EditNarrative: a new revision of the narrative.
	EditNarrative Capability `json:"edit_narrative"`
	// Checklist: ticking the equipment checklist.
	Checklist Capability `json:"checklist"`
	// AddMaterial: filing assets into it (uploads, ingest, add_material).
	AddMaterial Capability `json:"add_material"`
	// Download: downloading the originals filed into it.
	Download Capability `json:"download"`
}

// OptionsFor is what who may do next with c under pol.
func OptionsFor(pol Policy, c *Collection, who Actor) Options {
	o := Options{
		Actions: []Offer{},
		May: Capabilities{
			Edit:          capability(c.mayEdit(who, pol, false)),
			EditNarrative: capability(c.mayEditNarrative(who, pol)),
			Checklist:     capability(c.mayEdit(who, pol, true)),
			AddMaterial:   capability(c.mayAddMaterial(who, pol)),
			Download:      capability(MayDownload(pol, who, []*Collection{c})),
		},
		Tasks:    slices.Clone(tasks),
		Channels: slices.Clone(channels),
	}
	for _, a := range actions {
		if _, ok := workflow[c.State].next[a]; !ok {
			continue
		}
		err := c.mayAct(a, who, pol)
		if own := c.ownNarrative(a, who); err != nil && own != nil {
			// An author is told the reason that holds whatever their
			// role or delegation: someone else must approve.
			err = own
		}
		code, why := refusalOf(err)
		o.Actions = append(o.Actions, Offer{Action: a, Allowed: err == nil, Reason: why, Code: code})
	}
	return o
}

// Options is what who may do next with c, under the service's policy.
func (s *Service) Options(c *Collection, who Actor) Options { return OptionsFor(s.policy, c, who) }

// Allowed lists the actions of o that are allowed.
func (o Options) Allowed() []string {
	var out []string
	for _, a := range o.Actions {
		if a.Allowed {
			out = append(out, a.Action)
		}
	}
	return out
}

// RefusedFor tells whether action is offered and refused for code.
func (o Options) RefusedFor(action, code string) bool {
	return slices.ContainsFunc(o.Actions, func(a Offer) bool { return a.Action == action && !a.Allowed && a.Code == code })
}

func capability(err error) Capability {
	code, why := refusalOf(err)
	return Capability{Allowed: err == nil, Reason: why, Code: code}
}

// refusalOf is the code of a refusal and what it says to the user,
// without the error class.
func refusalOf(err error) (code, reason string) {
	var se *StateError
	var r *refusal
	switch {
	case err == nil:
		return "", ""
	case errors.As(err, &se):
		return RefusedState, se.Reason
	case errors.As(err, &r):
		return r.code, r.reason
	}
	return "", err.Error()
}

// Actions lists every workflow action in SOP order, for pages that name them.
func Actions() []string { return slices.Clone(actions) }
