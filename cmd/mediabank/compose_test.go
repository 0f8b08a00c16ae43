package main

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestComposeWiring reads docker-compose.yml the way compose would and
// checks that it wires mediabank to its MinIO as loadConfig expects. (No
// Docker engine runs here; serve_test.go runs the same wiring against a
// real MinIO process.)
func TestComposeWiring(t *testing.T) {
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Build       string            `yaml:"build"`
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Ports       []string          `yaml:"ports"`
			DependsOn   map[string]any    `yaml:"depends_on"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	minio, ok := doc.Services["minio"]
	if !ok || !strings.HasPrefix(minio.Image, "minio/minio:") || minio.Environment["MINIO_ROOT_USER"] == "" {
		t.Fatalf("minio service = %+v", minio)
	}
	mb, ok := doc.Services["mediabank"]
	if !ok || mb.Build != "." {
		t.Fatalf("mediabank service = %+v, want built from the Dockerfile here", mb)
	}
	if _, err := os.Stat("../../Dockerfile"); err != nil {
		t.Fatal(err)
	}
	if _, ok := mb.DependsOn["minio"]; !ok {
		t.Errorf("mediabank does not wait for minio")
	}
	env := mb.Environment
	getenv := func(k string) string {
		if v, ok := env[k]; ok && !strings.HasPrefix(v, "${") {
			return v
		}
		if _, ok := env[k]; ok {
			return "from-dotenv" // a secret that compose takes from .env
		}
		return ""
	}
	cfg, _, err := loadConfig(nil, getenv)
	if err != nil {
		t.Fatalf("the compose environment does not configure mediabank: %v", err)
	}
	tests := []struct{ name, got, want string }{
		{"S3 endpoint", cfg.S3.Endpoint, "minio:9000"},
		{"bucket", cfg.S3.Bucket, "mediabank"},
		{"access key = MinIO root user", cfg.S3.AccessKey, minio.Environment["MINIO_ROOT_USER"]},
		{"secret key = MinIO root password", env["MEDIABANK_S3_SECRET_KEY"], minio.Environment["MINIO_ROOT_PASSWORD"]},
		{"admin bootstrap", getenv("MEDIABANK_ADMIN_PASSWORD"), "from-dotenv"},
		{"time zone", cfg.Zone.String(), "Asia/Jakarta"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if cfg.S3.TLS {
		t.Errorf("TLS on for the MinIO beside it")
	}
	var cardsReadOnly bool
	for _, v := range mb.Volumes {
		cardsReadOnly = cardsReadOnly || strings.HasPrefix(v, "/media:/media:ro")
	}
	if !cardsReadOnly {
		t.Errorf("camera cards are not mounted read-only: %v", mb.Volumes)
	}
	if _, ok := doc.Volumes["bank"]; !ok {
		t.Errorf("no persistent volume for the bank")
	}
}
