package collections

import (
	"slices"
	"strconv"

	"mediabank/auth"
)

// State is where a collection stands in the SOP workflow.
type State string

// The states. The SOP step worked on in each is in the workflow table.
const (
	Created          State = "created"
	Ordered          State = "ordered"
	StaffProposed    State = "staff_proposed"
	Assigned         State = "assigned"
	EquipmentReady   State = "equipment_ready"
	InCoverage       State = "in_coverage"
	MaterialGathered State = "material_gathered"
	Drafting         State = "drafting"
	Editing          State = "editing"
	InReview         State = "in_review"
	Approved         State = "approved"
	Published        State = "published"
	Archived         State = "archived"
	Cancelled        State = "cancelled"
	Postponed        State = "postponed"
)

// Workflow actions. Each is also the policy action "collection.<verb>".
const (
	ActOrder            = "order"
	ActProposeStaff     = "propose_staff"
	ActAssign           = "assign"
	ActEquipmentReady   = "equipment_ready"
	ActStartCoverage    = "start_coverage"
	ActMaterialGathered = "material_gathered"
	ActStartDrafting    = "start_drafting"
	ActSubmitDraft      = "submit_draft"
	ActSubmitReview     = "submit_review"
	ActApprove          = "approve"
	ActReturn           = "return"
	ActPublish          = "publish"
	ActArchive          = "archive"
	ActCancel           = "cancel"
	ActPostpone         = "postpone"
	ActResume           = "resume"
)

// Destinations decided when the action runs rather than by the table.
const (
	returnTarget   State = "(the action's to: drafting or editing)"
	beforePostpone State = "(the state before postponing)"
)

// stateInfo is one row of the workflow: the SOP steps worked on while a
// collection is in the state (step 0: none, e.g. waiting for the event),
// who is expected to act next, and the actions allowed with where they lead.
type stateInfo struct {
	step, through int
	name          string
	roles         []string // roles expected to act next
	staff         bool     // the assigned staff are expected to act next
	next          map[string]State
}

// workflow is the transition table. Every action ends the step worked on
// in the current state and opens the step of the new one; publish on
// another channel keeps the collection in published. Cancel works in every
// state but archived and cancelled; postpone before anything is published.
//
//	created           step 1     order             -> ordered
//	ordered           step 2     propose_staff     -> staff_proposed
//	staff_proposed    step 3     assign            -> assigned
//	assigned          step 4     equipment_ready   -> equipment_ready (checklist done)
//	equipment_ready   waiting    start_coverage    -> in_coverage
//	in_coverage       step 5     material_gathered -> material_gathered
//	material_gathered steps 6-7  start_drafting    -> drafting
//	drafting          step 8     submit_draft      -> editing
//	editing           step 9     submit_review     -> in_review
//	in_review         step 10    approve           -> approved (not by a narrative author)
//	                             return (note, to) -> drafting | editing
//	approved          step 11    publish           -> published
//	published         step 12    publish           -> published (another channel)
//	                             archive           -> archived
//	postponed         waiting    resume            -> the state before postponing
var workflow = map[State]stateInfo{
	Created: {step: 1, name: "order the coverage", roles: []string{auth.RoleHead},
		next: map[string]State{ActOrder: Ordered, ActCancel: Cancelled, ActPostpone: Postponed}},
	Ordered: {step: 2, name: "propose coverage staff", roles: []string{auth.RoleCoordinator},
		next: map[string]State{ActProposeStaff: StaffProposed, ActCancel: Cancelled, ActPostpone: Postponed}},
	StaffProposed: {step: 3, name: "assign coverage staff", roles: []string{auth.RoleHead},
		next: map[string]State{ActAssign: Assigned, ActCancel: Cancelled, ActPostpone: Postponed}},
	Assigned: {step: 4, name: "prepare equipment", staff: true,
		next: map[string]State{ActEquipmentReady: EquipmentReady, ActCancel: Cancelled, ActPostpone: Postponed}},
	EquipmentReady: {name: "wait for the event", staff: true,
		next: map[string]State{ActStartCoverage: InCoverage, ActCancel: Cancelled, ActPostpone: Postponed}},
	InCoverage: {step: 5, name: "cover and document the event", staff: true,
		next: map[string]State{ActMaterialGathered: MaterialGathered, ActCancel: Cancelled, ActPostpone: Postponed}},
	MaterialGathered: {step: 6, through: 7, name: "gather information, photos and videos", staff: true,
		next: map[string]State{ActStartDrafting: Drafting, ActCancel: Cancelled, ActPostpone: Postponed}},
	Drafting: {step: 8, name: "select media and write the narrative", roles: []string{auth.RoleEditor}, staff: true,
		next: map[string]State{ActSubmitDraft: Editing, ActCancel: Cancelled, ActPostpone: Postponed}},
	Editing: {step: 9, name: "edit the narrative", roles: []string{auth.RoleEditor},
		next: map[string]State{ActSubmitReview: InReview, ActCancel: Cancelled, ActPostpone: Postponed}},
	InReview: {step: 10, name: "review the narrative", roles: []string{auth.RoleCoordinator, auth.RoleHead},
		next: map[string]State{ActApprove: Approved, ActReturn: returnTarget, ActCancel: Cancelled, ActPostpone: Postponed}},
	Approved: {step: 11, name: "publish on the channels", staff: true,
		next: map[string]State{ActPublish: Published, ActCancel: Cancelled, ActPostpone: Postponed}},
	Published: {step: 12, name: "file the photos and videos in the bank", staff: true,
		next: map[string]State{ActPublish: Published, ActArchive: Archived, ActCancel: Cancelled}},
	Postponed: {name: "postponed", roles: []string{auth.RoleHead},
		next: map[string]State{ActResume: beforePostpone, ActCancel: Cancelled}},
	Archived:  {},
	Cancelled: {},
}

// states lists every state in workflow order, for tables and reports.
var states = []State{Created, Ordered, StaffProposed, Assigned, EquipmentReady, InCoverage,
	MaterialGathered, Drafting, Editing, InReview, Approved, Published, Archived, Cancelled, Postponed}

// States lists every state in workflow order, for pages that offer them.
func States() []State { return slices.Clone(states) }

// actions lists every workflow action in SOP order.
var actions = []string{ActOrder, ActProposeStaff, ActAssign, ActEquipmentReady, ActStartCoverage,
	ActMaterialGathered, ActStartDrafting, ActSubmitDraft, ActSubmitReview, ActApprove, ActReturn,
	ActPublish, ActArchive, ActCancel, ActPostpone, ActResume}

// staffActions are the SOP's coverage-staff steps: only the staff assigned
// to the collection (or an admin) may take them, whatever the role table says.
var staffActions = []string{ActEquipmentReady, ActStartCoverage, ActMaterialGathered, ActPublish, ActArchive}

// next is where action leads from state, or a StateError saying why not.
func next(from State, action string) (State, error) {
	to, ok := workflow[from].next[action]
	if !ok {
		return "", &StateError{Action: action, Reason: "collection is in " + string(from)}
	}
	return to, nil
}

// PolicyAction is the name the role policy knows an action by.
func PolicyAction(action string) string { return "collection." + action }

// Span names the SOP steps a history entry or report row covers.
type Span struct {
	Step    int `json:"step"`              // 1..12; 0 for waiting outside the SOP
	Through int `json:"through,omitempty"` // last step when several are worked together
}

// Label is "5" or "6-7".
func (s Span) Label() string {
	if s.Through > s.Step {
		return strconv.Itoa(s.Step) + "-" + strconv.Itoa(s.Through)
	}
	return strconv.Itoa(s.Step)
}

// spans lists the SOP spans of the workflow in step order.
func spans() []Span {
	var out []Span
	for _, st := range states {
		info := workflow[st]
		if info.step > 0 {
			out = append(out, Span{info.step, info.through})
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Step - b.Step })
	return out
}

// spanName is the name of the state working on span.
func spanName(sp Span) string {
	for _, info := range workflow {
		if info.step == sp.Step && info.through == sp.Through {
			return info.name
		}
	}
	return ""
}
