package collections

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"mediabank/auth"
)

// allowed asks the policy whether who may take policy action pa on c.
func allowed(pol Policy, c *Collection, who Actor, pa string) error {
	switch pol.Decide(who.Role, pa) {
	case auth.Allow:
		return nil
	case auth.AllowIfDelegated:
		if c.ApprovalDelegatedTo != "" && c.ApprovalDelegatedTo == who.User {
			return nil
		}
		return deny(RefusedDelegation, "%s may %s only when the collection delegates approval to them", who.User, pa)
	}
	return deny(RefusedPolicy, "role %q may not %s", who.Role, pa)
}

// mayDelegate: only who may approve outright may hand approval to someone.
func mayDelegate(pol Policy, who Actor) error {
	if pol.Decide(who.Role, PolicyAction(ActApprove)) != auth.Allow {
		return deny(RefusedPolicy, "role %q may not delegate approval", who.Role)
	}
	return nil
}

// staffOnly refuses coverage staff acting on a collection they are not
// assigned to, and anyone but the assigned staff or an admin taking a
// staff step.
func staffOnly(c *Collection, who Actor, staffStep bool, what string) error {
	if who.Role == auth.RoleAdmin || c.isAssigned(who.User) || (who.Role != auth.RoleStaff && !staffStep) {
		return nil
	}
	return deny(RefusedNotAssigned, "only the staff assigned to %s may %s", c.ID, what)
}

// mayAct says whether who may take action on c as it stands, whatever the
// action's arguments: the policy, the staff's own steps, the state, and
// nobody approving a narrative they wrote. Act and the offers both ask it.
func (c *Collection) mayAct(action string, who Actor, pol Policy) error {
	if err := allowed(pol, c, who, PolicyAction(action)); err != nil {
		return err
	}
	if err := staffOnly(c, who, slices.Contains(staffActions, action), action); err != nil {
		return err
	}
	if _, err := next(c.State, action); err != nil {
		return err
	}
	return c.ownNarrative(action, who)
}

// ownNarrative refuses approving a narrative to anyone who wrote a
// revision of it.
func (c *Collection) ownNarrative(action string, who Actor) error {
	if action == ActApprove && c.Narrative.wroteNarrative(who.User) {
		return deny(RefusedOwnNarrative, "%s wrote a revision of the narrative and cannot approve it", who.User)
	}
	return nil
}

// mayEdit says whether who may patch c: its content, or with checklist its
// equipment checklist (part of the staff's step 4).
func (c *Collection) mayEdit(who Actor, pol Policy, checklist bool) error {
	if c.State == Archived || c.State == Cancelled {
		return &StateError{Action: "edit", Reason: "collection is " + string(c.State)}
	}
	pa := "collection.edit"
	if checklist {
		pa = PolicyAction(ActEquipmentReady)
	}
	if err := allowed(pol, c, who, pa); err != nil {
		return err
	}
	return staffOnly(c, who, checklist, "edit it")
}

// mayEditNarrative says whether who may write a new revision of c's narrative.
func (c *Collection) mayEditNarrative(who Actor, pol Policy) error {
	if err := c.narrativeEditable(); err != nil {
		return err
	}
	return c.mayEdit(who, pol, false)
}

// act applies a to c for who at now. It checks everything before it
// changes anything, so on error c is as it was.
func (c *Collection) act(a Action, who Actor, pol Policy, now time.Time) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := c.mayAct(a.Action, who, pol); err != nil {
		return err
	}
	if a.Delegate != "" {
		if err := mayDelegate(pol, who); err != nil {
			return err
		}
	}
	to, _ := next(c.State, a.Action) // mayAct checked it
	pub, err := c.checkAction(a, who, now)
	if err != nil {
		return err
	}
	c.apply(a, to, pub, who, now)
	return nil
}

// checkAction makes the checks of a that depend on the record (someone
// proposed, the checklist done, a narrative written, a publication new),
// and returns the publication a publish adds.
func (c *Collection) checkAction(a Action, who Actor, now time.Time) (Publication, error) {
	refuse := func(reason string) error { return &StateError{Action: a.Action, Reason: reason} }
	var pub Publication
	switch a.Action {
	case ActAssign:
		if len(a.Staff) == 0 && len(c.ProposedStaff) == 0 {
			return Publication{}, refuse("nobody is proposed")
		}
	case ActEquipmentReady:
		var missing []string
		for _, it := range c.Checklist {
			if !it.Done {
				missing = append(missing, it.Item)
			}
		}
		if len(missing) > 0 {
			return Publication{}, refuse("checklist not done: " + strings.Join(missing, ", "))
		}
	case ActSubmitDraft, ActSubmitReview:
		if strings.TrimSpace(c.Narrative.Text) == "" {
			return Publication{}, refuse("the narrative is empty")
		}
	case ActResume:
		if workflow[c.PostponedFrom].next == nil {
			return Publication{}, refuse("the state before postponing is unknown")
		}
	case ActApprove:
		if strings.TrimSpace(c.Narrative.Text) == "" {
			return Publication{}, refuse("the narrative is empty")
		}
	case ActPublish:
		pub = Publication{Channel: a.Channel, URL: a.URL, At: now, By: who.User, Assets: a.Assets}
		if pub.Assets == nil {
			pub.Assets = slices.Clone(c.Picks)
		}
		for _, id := range pub.Assets {
			if !slices.Contains(c.Material, id) {
				return Publication{}, fmt.Errorf("%w: asset %s is not in the material of %s", ErrInvalid, id, c.ID)
			}
		}
		for _, p := range c.Publications {
			if p.Channel == a.Channel && p.URL == a.URL {
				return Publication{}, refuse("already published on " + a.Channel + " at " + a.URL)
			}
		}
	}
	return pub, nil
}

// apply changes c by a, checked, moving it to state to.
func (c *Collection) apply(a Action, to State, pub Publication, who Actor, now time.Time) {
	switch a.Action {
	case ActOrder:
		c.Order = &Order{Note: a.Note, By: who.User, At: now}
	case ActProposeStaff:
		c.ProposedStaff = members(a.Staff, who, now)
	case ActAssign:
		staff := a.Staff
		if len(staff) == 0 {
			for _, m := range c.ProposedStaff {
				staff = append(staff, m.Assignee)
			}
		}
		c.AssignedStaff = members(staff, who, now)
	case ActApprove:
		c.Reviews = append(c.Reviews, Review{Decision: DecisionApprove, By: who.User, At: now, Note: a.Note, ToState: to})
	case ActReturn:
		to = a.To
		c.Reviews = append(c.Reviews, Review{Decision: DecisionReturn, By: who.User, At: now, Note: a.Note, ToState: to})
	case ActPublish:
		c.Publications = append(c.Publications, pub)
	case ActArchive:
		c.Archive = &Archive{At: now, By: who.User}
	case ActPostpone:
		c.PostponedFrom = c.State
	case ActResume:
		to, c.PostponedFrom = c.PostponedFrom, ""
	}
	if a.Delegate != "" {
		c.ApprovalDelegatedTo = a.Delegate
	}
	if to != c.State {
		c.moveTo(to, a.Action, a.Note, who, now)
	}
}

func members(staff []Assignee, who Actor, now time.Time) []StaffMember {
	out := make([]StaffMember, len(staff))
	for i, s := range staff {
		out[i] = StaffMember{Assignee: s, By: who.User, At: now}
	}
	return out
}

// Narrative edits wait while a narrative is reviewed or approved: an
// approval must cover the text that is published. Return it to edit.
var narrativeLocked = []State{InReview, Approved, Published}

// narrativeEditable says whether the narrative takes a new revision now.
func (c *Collection) narrativeEditable() error {
	const what = "edit the narrative"
	if c.State == Archived || c.State == Cancelled {
		return &StateError{Action: what, Reason: "collection is " + string(c.State)}
	}
	if slices.Contains(narrativeLocked, c.State) {
		return &StateError{Action: what, Reason: "collection is in " + string(c.State)}
	}
	// Postponing does not unlock it: resume would bring back the approval
	// (or the review) over text nobody reviewed. Refused rather than
	// voiding the approval, so an approval is never taken back silently;
	// the head returns the narrative to change it.
	if c.State == Postponed && slices.Contains(narrativeLocked, c.PostponedFrom) {
		return &StateError{Action: what, Reason: "collection is postponed from " + string(c.PostponedFrom)}
	}
	if len(c.Narrative.Revisions) >= MaxRevisions {
		return &StateError{Action: what, Reason: fmt.Sprintf("it has %d revisions, the most kept", MaxRevisions)}
	}
	return nil
}

// patch applies p to c for who at now; on error c is as it was.
func (c *Collection) patch(p Patch, who Actor, pol Policy, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := c.mayPatch(p, who, pol); err != nil {
		return err
	}

	// Work on copies of what can fail, so an error leaves c unchanged.
	ev := c.Event
	setString(&ev.Title, p.Title)
	setString(&ev.Agency, p.Agency)
	setString(&ev.Place, p.Place)
	setString(&ev.Description, p.Description)
	setString(&ev.AgendaItem, p.AgendaItem)
	if p.StartsAt != nil {
		ev.StartsAt = *p.StartsAt
	}
	if p.EndsAt != nil {
		ev.EndsAt = *p.EndsAt
	}
	if err := ev.validate(); err != nil {
		return err
	}
	material := slices.Clone(c.Material)
	for _, id := range p.AddMaterial {
		if !slices.Contains(material, id) {
			material = append(material, id)
		}
	}
	material = slices.DeleteFunc(material, func(id string) bool { return slices.Contains(p.RemoveMaterial, id) })
	picks, cover := c.Picks, c.Cover
	if p.Picks != nil {
		picks = slices.Clone(*p.Picks)
	}
	if p.Cover != nil {
		cover = *p.Cover
	}
	for _, id := range picks {
		if !slices.Contains(material, id) {
			return fmt.Errorf("%w: pick %s is not in the material of %s", ErrInvalid, id, c.ID)
		}
	}
	if cover != "" && !slices.Contains(picks, cover) {
		return fmt.Errorf("%w: cover %s is not one of the picks of %s", ErrInvalid, cover, c.ID)
	}

	c.Event, c.Material, c.Picks, c.Cover = ev, material, picks, cover
	c.Checklist = editChecklist(c.Checklist, p.Checklist, who, now)
	if p.Narrative != nil {
		text := strings.ReplaceAll(*p.Narrative, "\r\n", "\n")
		if text != c.Narrative.Text {
			c.Narrative.Text = text
			c.Narrative.Revisions = append(c.Narrative.Revisions,
				Revision{Rev: len(c.Narrative.Revisions) + 1, Text: text, By: who.User, At: now})
			c.Narrative.trim()
		}
	}
	if p.ApprovalDelegatedTo != nil {
		c.ApprovalDelegatedTo = *p.ApprovalDelegatedTo
	}
	return nil
}

// mayPatch says whether who may apply p to c as it stands: the state, the
// narrative's lock, the policy for each part of p, the staff's own.
func (c *Collection) mayPatch(p Patch, who Actor, pol Policy) error {
	if c.State == Archived || c.State == Cancelled {
		return &StateError{Action: "edit", Reason: "collection is " + string(c.State)}
	}
	if p.Narrative != nil {
		if err := c.narrativeEditable(); err != nil {
			return err
		}
	}
	if p.editsContent() {
		if err := allowed(pol, c, who, "collection.edit"); err != nil {
			return err
		}
	}
	if p.Checklist != nil {
		// Ticking equipment is part of the staff's step 4.
		if err := allowed(pol, c, who, PolicyAction(ActEquipmentReady)); err != nil {
			return err
		}
	}
	if p.ApprovalDelegatedTo != nil {
		if err := mayDelegate(pol, who); err != nil {
			return err
		}
	}
	return staffOnly(c, who, p.Checklist != nil, "edit it")
}

// editsContent: the patch touches more than the checklist and delegation.
func (p Patch) editsContent() bool {
	q := p
	q.Checklist, q.ApprovalDelegatedTo = nil, nil
	return !q.empty()
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func editChecklist(list []CheckItem, edits []CheckEdit, who Actor, now time.Time) []CheckItem {
	list = slices.Clone(list)
	for _, e := range edits {
		item := strings.TrimSpace(e.Item)
		i := slices.IndexFunc(list, func(it CheckItem) bool { return it.Item == item })
		switch {
		case e.Remove:
			if i >= 0 {
				list = slices.Delete(list, i, i+1)
			}
		case i < 0:
			list = append(list, CheckItem{Item: item, Done: e.Done, By: who.User, At: now})
		case list[i].Done != e.Done:
			list[i] = CheckItem{Item: item, Done: e.Done, By: who.User, At: now}
		}
	}
	return list
}

// mayAddMaterial is the check of a patch that adds material, on its own.
func (c *Collection) mayAddMaterial(who Actor, pol Policy) error {
	if err := allowed(pol, c, who, "collection.edit"); err != nil {
		return err
	}
	if err := staffOnly(c, who, false, "file material into it"); err != nil {
		return err
	}
	if c.State == Cancelled {
		return &StateError{Action: "add material", Reason: "collection is cancelled"}
	}
	return nil
}

// addMaterial files ids into c, skipping those already there; it reports
// whether anything was added. Material still comes in after the archive
// (a late card belongs in the bank); a cancelled coverage takes none.
func (c *Collection) addMaterial(ids []string) (bool, error) {
	if c.State == Cancelled {
		return false, &StateError{Action: "add material", Reason: "collection is cancelled"}
	}
	added := false
	for _, id := range ids {
		if !slices.Contains(c.Material, id) {
			c.Material = append(c.Material, id)
			added = true
		}
	}
	return added, nil
}

// ActionDownloadUnreleased is the policy action of downloading originals
// filed into a coverage that is not yet approved, or was cancelled.
const ActionDownloadUnreleased = "asset.download_unreleased"

// Released reports whether a coverage in this state has let its material
// go to everyone who may download originals: once its narrative is
// approved, and after. A cancelled coverage never has.
func (s State) Released() bool { return s == Approved || s == Published || s == Archived }

// MayDownload says whether who may download an original filed into cols.
// An asset in no coverage, or in one that is released, goes to everyone
// who may download; otherwise only to roles the policy allows
// ActionDownloadUnreleased and to the staff assigned to one of its
// coverages.
func MayDownload(pol Policy, who Actor, cols []*Collection) error {
	if len(cols) == 0 || pol.Decide(who.Role, ActionDownloadUnreleased) == auth.Allow {
		return nil
	}
	for _, c := range cols {
		if c.State.Released() || c.isAssigned(who.User) {
			return nil
		}
	}
	return deny(RefusedUnreleased, "the original belongs to coverage %s, which is %s: not yet released to role %q", cols[0].ID, cols[0].State, who.Role)
}

// MayBeStaff says whether an account may be offered as a coverage's
// staff: an active one of any role but viewer (a viewer reads the bank and
// takes no step of the SOP).
func MayBeStaff(role string, disabled bool) bool {
	return !disabled && role != auth.RoleViewer
}
