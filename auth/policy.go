package auth

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"mediabank/internal/overrides"
)

// Roles, from the SOP "Peliputan dan Publikasi".
const (
	RoleAdmin       = "admin"
	RoleHead        = "head"        // Kabid DIKP
	RoleCoordinator = "coordinator" // Sub Kor DIME
	RoleEditor      = "editor"      // Tenaga Ahli
	RoleStaff       = "staff"       // coverage staff: photographers, videographers, reporters
	RoleViewer      = "viewer"
)

// Actions the policy decides on. The workflow actions are the steps of
// the SOP; see docs/policy.md for which step each one is.
const (
	ActionAssetRead     = "asset.read"
	ActionAssetDownload = "asset.download"
	// ActionAssetDownloadUnreleased: originals of a coverage not yet
	// approved, or cancelled; its assigned staff always may (checked by
	// the workflow, collections.MayDownload).
	ActionAssetDownloadUnreleased = "asset.download_unreleased"
	ActionAssetEdit               = "asset.edit"
	ActionUpload                  = "upload"
	ActionIngestRead              = "ingest.read"
	ActionCollectionRead          = "collection.read"
	ActionCollectionCreate        = "collection.create"
	ActionCollectionEdit          = "collection.edit"
	ActionReportRead              = "report.read"
	ActionAuditRead               = "audit.read"
	ActionUserManage              = "user.manage"
	ActionServerPaths             = "server.paths"
	// ActionExport and ActionShare take an approved coverage's media out
	// (SOP step 11); the collection's state is checked by the workflow.
	ActionExport = "collection.export"
	ActionShare  = "collection.share"

	ActionOrder            = "collection.order"
	ActionProposeStaff     = "collection.propose_staff"
	ActionAssign           = "collection.assign"
	ActionEquipmentReady   = "collection.equipment_ready"
	ActionStartCoverage    = "collection.start_coverage"
	ActionMaterialGathered = "collection.material_gathered"
	ActionStartDrafting    = "collection.start_drafting"
	ActionSubmitDraft      = "collection.submit_draft"
	ActionSubmitReview     = "collection.submit_review"
	ActionApprove          = "collection.approve"
	ActionReturn           = "collection.return"
	ActionPublish          = "collection.publish"
	ActionArchive          = "collection.archive"
	ActionCancel           = "collection.cancel"
	ActionPostpone         = "collection.postpone"
	ActionResume           = "collection.resume"
)

// roles and actions fix the order of the table's rows and columns.
var roles = [...]string{RoleAdmin, RoleHead, RoleCoordinator, RoleEditor, RoleStaff, RoleViewer}

type actionInfo struct {
	name string
	what string // for docs/policy.md
}

var actions = [...]actionInfo{
	{ActionAssetRead, "see assets, their metadata and previews"},
	{ActionAssetDownload, "download originals"},
	{ActionAssetDownloadUnreleased, "download originals of a coverage not yet approved, or cancelled (its assigned staff always may)"},
	{ActionAssetEdit, "edit an asset's metadata (caption, keywords, credit)"},
	{ActionUpload, "upload media and ingest camera cards"},
	{ActionIngestRead, "see ingest runs and what they reported"},
	{ActionCollectionRead, "see collections (coverages)"},
	{ActionCollectionCreate, "create a collection"},
	{ActionCollectionEdit, "edit a collection: event, selection, narrative"},
	{ActionReportRead, "see reports: overdue steps, times against the SOP's standard"},
	{ActionAuditRead, "read the audit log"},
	{ActionUserManage, "add users, set roles and passwords, disable accounts"},
	{ActionServerPaths, "see where on the server cards and uploads were read from (paths in ingests and asset records)"},
	{ActionOrder, "SOP step 1: order the coverage"},
	{ActionProposeStaff, "SOP step 2: propose coverage staff"},
	{ActionAssign, "SOP step 3: assign coverage staff"},
	{ActionEquipmentReady, "SOP step 4: equipment is ready"},
	{ActionStartCoverage, "SOP step 5: start covering the event"},
	{ActionMaterialGathered, "SOP steps 6-7: information, photos and videos gathered"},
	{ActionStartDrafting, "SOP step 8: start selecting media and writing the narrative"},
	{ActionSubmitDraft, "SOP step 8 to 9: hand the draft narrative to editing"},
	{ActionSubmitReview, "SOP step 9 to 10: hand the edited narrative to review"},
	{ActionApprove, "SOP step 10: approve the narrative"},
	{ActionReturn, "SOP step 10: return the narrative to be fixed"},
	{ActionPublish, "SOP step 11: record a publication (website, YouTube, Instagram, ...)"},
	{ActionArchive, "SOP step 12: file the coverage in the bank"},
	{ActionExport, "SOP step 11: export an approved coverage's picks for a channel (ZIP of channel pictures)"},
	{ActionShare, "SOP step 11: make and revoke share links of an approved coverage for partner media"},
	{ActionCancel, "cancel a coverage"},
	{ActionPostpone, "postpone a coverage"},
	{ActionResume, "resume a postponed coverage"},
}

// Roles lists the roles in the table's order.
func Roles() []string { return slices.Clone(roles[:]) }

// ValidRole reports whether role is one of Roles().
func ValidRole(role string) bool { return roleIndex(role) >= 0 }

func roleIndex(role string) int { return slices.Index(roles[:], role) }

func actionIndex(action string) int {
	return slices.IndexFunc(actions[:], func(a actionInfo) bool { return a.name == action })
}

// Decision is one cell of the policy table.
type Decision uint8

const (
	Deny Decision = iota
	Allow
	// AllowIfDelegated allows the action only to someone the collection
	// names as a delegate; the caller (the workflow) checks the delegation.
	AllowIfDelegated
)

var decisionNames = [...]string{Deny: "deny", Allow: "allow", AllowIfDelegated: "delegated"}

func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return fmt.Sprintf("Decision(%d)", uint8(d))
}

// Allowed resolves the decision for one person: delegated says whether
// the collection delegates the action to them.
func (d Decision) Allowed(delegated bool) bool {
	return d == Allow || d == AllowIfDelegated && delegated
}

func (d Decision) MarshalText() ([]byte, error) {
	if int(d) >= len(decisionNames) {
		return nil, fmt.Errorf("marshal decision %d: %w", uint8(d), ErrInvalid)
	}
	return []byte(decisionNames[d]), nil
}

func (d *Decision) UnmarshalText(b []byte) error {
	i := slices.Index(decisionNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("decision %q: want deny, allow or delegated: %w", b, ErrInvalid)
	}
	*d = Decision(i)
	return nil
}

// Policy is the table role x action. It is a value: copies are
// independent and nothing changes it after it is made.
type Policy struct {
	cells [len(roles)][len(actions)]Decision
}

// everyone is what every logged-in role may do.
var everyone = []string{ActionAssetRead, ActionAssetDownload, ActionCollectionRead, ActionIngestRead}

// defaultAllowed is our reading of the SOP's lost "who" column, beyond
// what everyone may do. Admin may do everything.
var defaultAllowed = map[string][]string{
	RoleHead: {
		ActionAssetDownloadUnreleased,
		ActionOrder, ActionAssign, ActionApprove, ActionReturn,
		ActionCancel, ActionPostpone, ActionResume,
		ActionReportRead, ActionAuditRead,
		ActionCollectionCreate, ActionCollectionEdit, ActionAssetEdit, ActionUpload,
		ActionExport, ActionShare,
	},
	RoleCoordinator: {
		ActionAssetDownloadUnreleased,
		ActionProposeStaff, ActionApprove, ActionReturn,
		ActionCollectionCreate, ActionCollectionEdit, ActionReportRead,
		ActionExport, ActionShare,
	},
	RoleEditor: {
		ActionAssetDownloadUnreleased,
		ActionSubmitDraft, ActionSubmitReview, ActionAssetEdit, ActionCollectionEdit, ActionUpload,
		ActionExport, ActionShare,
	},
	RoleStaff: {
		ActionEquipmentReady, ActionStartCoverage, ActionMaterialGathered, ActionStartDrafting,
		ActionSubmitDraft, ActionPublish, ActionArchive, ActionUpload, ActionAssetEdit, ActionCollectionEdit,
		ActionExport, ActionShare,
	},
}

// DefaultPolicy is the table as docs/policy.md shows it.
func DefaultPolicy() Policy {
	var p Policy
	for a := range actions {
		p.cells[roleIndex(RoleAdmin)][a] = Allow
	}
	for r := range roles {
		for _, a := range everyone {
			p.cells[r][actionIndex(a)] = Allow
		}
	}
	for role, acts := range defaultAllowed {
		for _, a := range acts {
			p.cells[roleIndex(role)][actionIndex(a)] = Allow
		}
	}
	// The editor approves only when the collection delegates review to them.
	p.cells[roleIndex(RoleEditor)][actionIndex(ActionApprove)] = AllowIfDelegated
	return p
}

// Decide is the decision for role doing action; Deny for an unknown role
// or action, so a typo never grants anything.
func (p Policy) Decide(role, action string) Decision {
	r, a := roleIndex(role), actionIndex(action)
	if r < 0 || a < 0 {
		return Deny
	}
	return p.cells[r][a]
}

// Actions lists the actions in the table's order.
func (p Policy) Actions() []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.name
	}
	return out
}

// LoadPolicy reads a JSON object of overrides over DefaultPolicy, role to
// action to "allow", "deny" or "delegated":
//
//	{"coordinator": {"collection.assign": "allow"}}
//
// An unknown role, action or decision is an error, and so is taking
// anything away from admin: someone must always be able to fix the
// accounts.
func LoadPolicy(r io.Reader) (Policy, error) {
	// Strings, not Decisions: JSON null would silently decode as Deny.
	var changes map[string]map[string]string
	if err := overrides.Decode(r, "policy", ErrInvalid, &changes); err != nil {
		return Policy{}, err
	}
	p := DefaultPolicy()
	for role, cells := range changes {
		ri := roleIndex(role)
		if ri < 0 {
			return Policy{}, fmt.Errorf("load policy: unknown role %q: %w", role, ErrInvalid)
		}
		for action, text := range cells {
			ai := actionIndex(action)
			if ai < 0 {
				return Policy{}, fmt.Errorf("load policy: role %s: unknown action %q: %w", role, action, ErrInvalid)
			}
			var d Decision
			if err := d.UnmarshalText([]byte(text)); err != nil {
				return Policy{}, fmt.Errorf("load policy: role %s, action %s: %w", role, action, err)
			}
			if role == RoleAdmin && d != Allow {
				return Policy{}, fmt.Errorf("load policy: admin must keep %s: %w", action, ErrInvalid)
			}
			p.cells[ri][ai] = d
		}
	}
	return p, nil
}

// Markdown renders the table for docs/policy.md; a test keeps that file
// equal to DefaultPolicy().Markdown().
func (p Policy) Markdown() string {
	var b strings.Builder
	b.WriteString(`# Who may do what

Generated from ` + "`auth.DefaultPolicy().Markdown()`" + `; a test in package auth fails when this file differs (regenerate with ` + "`UPDATE_DOCS=1 go test ./auth -run TestPolicyDoc`" + `).

The roles follow the SOP *Peliputan dan Publikasi* (see ` + "`sop/README.md`" + ` in the shared folder beside the repository): **head** is the Kabid DIKP, **coordinator** the Sub Kor DIME, **editor** the Tenaga Ahli, **staff** the coverage staff (photographers, videographers, reporters). The SOP's "who" column was lost in its extraction, so this table is our reading of it. An installation changes cells with a JSON file of overrides, role to action to ` + "`allow`, `deny` or `delegated`" + `:

` + "```json\n{\"coordinator\": {\"collection.assign\": \"allow\"}}\n```" + `

Unknown roles, actions or decisions are refused, and so is taking anything away from admin.

**yes**: allowed. **delegated**: allowed only to someone the collection names as a delegate for that step (checked by the workflow). **no**: refused. Anything not in the table is refused.

`)
	b.WriteString("| action | what |")
	for _, r := range roles {
		b.WriteString(" " + r + " |")
	}
	b.WriteString("\n| --- | --- |" + strings.Repeat(" :-: |", len(roles)) + "\n")
	cell := [...]string{Deny: "no", Allow: "yes", AllowIfDelegated: "delegated"}
	for a, info := range actions {
		fmt.Fprintf(&b, "| `%s` | %s |", info.name, info.what)
		for r := range roles {
			b.WriteString(" " + cell[p.cells[r][a]] + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}
