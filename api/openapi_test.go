package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI holds the document served at /api/v1/openapi.json against
// the routes gin actually serves: the same (method, path) pairs, each
// operation with a summary.
func TestOpenAPI(t *testing.T) {
	h := newDiskHarness(t)
	r := h.send(t, nil, req{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != http.StatusOK {
		t.Fatalf("GET openapi.json: %v", r)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]map[string]struct {
			Summary     string `json:"summary"`
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if !json.Valid(r.body) {
		t.Fatalf("openapi.json is not valid JSON: %.200s", r.body)
	}
	decode(t, r, &doc)
	if !regexp.MustCompile(`^3\.\d+\.\d+$`).MatchString(doc.OpenAPI) {
		t.Errorf("openapi = %q, want 3.x.y", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info = %+v, want a title and a version", doc.Info)
	}

	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	documented := map[string]bool{}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if !slices.Contains(methods, method) {
				t.Errorf("%s: %q is not an HTTP method", path, method)
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			if strings.TrimSpace(op.Summary) == "" {
				t.Errorf("%s has no summary", key)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s has no responses", key)
			}
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", key, other, op.OperationID)
			}
			ids[op.OperationID] = key
			// Every {param} of the path is declared as a path parameter.
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p struct {
					Name string `json:"name"`
					In   string `json:"in"`
				}) bool {
					return p.Name == m[1] && p.In == "path"
				}) {
					t.Errorf("%s does not declare the path parameter %q", key, m[1])
				}
			}
		}
	}

	served := map[string]bool{}
	colon := regexp.MustCompile(`:([A-Za-z_]+)`)
	for _, rt := range h.srv.Engine().Routes() {
		served[rt.Method+" "+colon.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	if len(served) == 0 {
		t.Fatal("gin serves no routes")
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("served but not documented: %s", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("documented but not served: %s", k)
		}
	}

	// A few pairs written out, so that both sides losing a route together
	// does not pass unnoticed.
	for _, k := range []string{
		"POST /api/v1/session", "GET /api/v1/assets/{id}/original", "POST /api/v1/assets/zip", "POST /api/v1/uploads",
		"POST /api/v1/collections/{id}/actions", "GET /api/v1/reports/sla", "PATCH /api/v1/users/{name}", "GET /healthz",
		"PUT /api/v1/assets/{id}/crops/{aspect}", "PUT /api/v1/assets/{id}/focus",
	} {
		if !documented[k] || !served[k] {
			t.Errorf("%s: documented %v, served %v; want both", k, documented[k], served[k])
		}
	}
	if len(served) != 44 {
		t.Errorf("gin serves %d routes, want the 44 of the route table", len(served))
	}
}
