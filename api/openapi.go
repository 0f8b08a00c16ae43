package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// pathParam matches gin's :name path parameters.
var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// OpenAPI builds the OpenAPI 3.1 document of the API from the same route
// table that registers the handlers, so the two cannot drift apart; a
// test holds the document against the routes gin actually serves.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, r := range s.routes {
		p := pathParam.ReplaceAllString(r.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     r.summary,
			"operationId": operationID(r.method, r.path),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		switch r.action {
		case "":
			op["security"] = []any{}
		case actionSelf:
			op["x-policy-action"] = "any logged-in user"
		default:
			op["x-policy-action"] = r.action
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if !isSafeMethod(r.method) && r.action != "" {
			params = append(params, map[string]any{"name": "X-CSRF-Token", "in": "header", "required": false, "description": "required with the session cookie; not with a bearer token", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		paths[p][strings.ToLower(r.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "mediabank",
			"version":     "1",
			"description": "The photo and video bank of Diskominfo Tangerang. Every route but the public ones needs the session cookie (POST /api/v1/session) or an API token (Authorization: Bearer mbk_…); x-policy-action names the row of the policy table (docs/policy.md) that decides who may call it.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{
				"Error": map[string]any{
					"type":       "object",
					"required":   []string{"error", "status"},
					"properties": map[string]any{"error": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"}},
				},
			},
		},
		"security": []any{map[string]any{"cookie": []any{}}, map[string]any{"bearer": []any{}}},
	}
}

func (s *Server) openapi(c *gin.Context) { c.JSON(http.StatusOK, s.OpenAPI()) }

func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1"), "/") {
		if seg == "" {
			continue
		}
		seg = strings.TrimPrefix(seg, ":")
		seg = strings.ReplaceAll(seg, ".", "_")
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}
