package collections

import "mediabank/auth"

// WorkflowPolicy lets the collections workflow read the one policy table.
func WorkflowPolicy(p auth.Policy) Policy {
	return PolicyFunc(func(role, action string) Decision {
		switch p.Decide(role, action) {
		case auth.Allow:
			return Allow
		case auth.AllowIfDelegated:
			return AllowIfDelegated
		}
		return Deny
	})
}
