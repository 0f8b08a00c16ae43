package assets

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestEffective(t *testing.T) {
	a := Asset{
		Meta: Metadata{Caption: "from the camera", Keywords: []string{"kamera"}, City: "Tangerang", Creator: "Budi"},
		Edits: map[string]Edit{
			"caption":  {Value: "Wali Kota meninjau banjir", By: "sari"},
			"keywords": {Value: []string{"banjir", "Ciledug"}, By: "sari"},
			"people":   {Value: []string{"Sachrudin"}, By: "sari"},
			"unknown":  {Value: "ignored", By: "sari"},
		},
	}
	// A record read back from the bank holds []any, not []string.
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Asset
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]Asset{"in memory": a, "from JSON": back} {
		m := rec.Effective()
		got := []string{m.Caption, m.City, m.Creator}
		want := []string{"Wali Kota meninjau banjir", "Tangerang", "Budi"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: caption, city, creator = %q, want %q", name, got, want)
		}
		if !slices.Equal(m.Keywords, []string{"banjir", "Ciledug"}) || !slices.Equal(m.People, []string{"Sachrudin"}) {
			t.Errorf("%s: keywords %q, people %q", name, m.Keywords, m.People)
		}
	}
	if a.Meta.Caption != "from the camera" {
		t.Errorf("Effective changed the record's own metadata")
	}
}

func TestKeys(t *testing.T) {
	id := "6bfdabd4fc33d112283c147acccc574e770bbe6fbdbc3d4da968ba7b606ecc2f"
	tests := []struct {
		key, want string
	}{
		{RecordKey(id), id},
		{"assets/" + id + ".xml", ""},
		{"assets/../" + id + ".json", ""},
		{"assets/" + id[:63] + ".json", ""},
		{"assets/" + "6BFDABD4FC33D112283C147ACCCC574E770BBE6FBDBC3D4DA968BA7B606ECC2F" + ".json", ""},
		{"originals/" + id + ".json", ""},
	}
	for _, tt := range tests {
		if got := IDFromRecordKey(tt.key); got != tt.want {
			t.Errorf("IDFromRecordKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if got, want := OriginalKey(id), "originals/sha256/6b/"+id; got != want {
		t.Errorf("OriginalKey = %q, want %q", got, want)
	}
	if got, want := RenditionKey(id, Thumbnail, "jpg"), "renditions/6b/"+id+"/thumbnail.jpg"; got != want {
		t.Errorf("RenditionKey = %q, want %q", got, want)
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		ok   bool
	}{
		{"DSC_0001.JPG", KindPhoto, true},
		{"IMG_0001.CR3", KindPhoto, true},
		{"C0001.MP4", KindVideo, true},
		{"00001.MTS", KindVideo, true},
		{"wawancara.m4a", KindAudio, true},
		{"rilis.pdf", KindDocument, true},
		{"C0001M01.XML", "", false},
		{"IMG_0001.xmp", "", false},
		{"noext", "", false},
	}
	for _, tt := range tests {
		kind, _, ok := KindOf(tt.name)
		if kind != tt.kind || ok != tt.ok {
			t.Errorf("KindOf(%q) = %q, %v; want %q, %v", tt.name, kind, ok, tt.kind, tt.ok)
		}
	}
}

func TestEditableFields(t *testing.T) {
	m := Metadata{Caption: "Banjir", Country: "Indonesia", Keywords: []string{"banjir", "Ciledug"}}
	tests := []struct {
		field    string
		wantText string
		wantList bool
	}{
		{"caption", "Banjir", false},
		{"country", "Indonesia", false},
		{"keywords", "banjir, Ciledug", true},
		{"people", "", true},
		{"make", "", false}, // not editable
	}
	for _, tc := range tests {
		if got := m.FieldText(tc.field); got != tc.wantText {
			t.Errorf("FieldText(%q) = %q, want %q", tc.field, got, tc.wantText)
		}
		if got := IsListField(tc.field); got != tc.wantList {
			t.Errorf("IsListField(%q) = %v, want %v", tc.field, got, tc.wantList)
		}
	}
	for _, f := range EditableFields() {
		var edited Asset
		edited.Edits = map[string]Edit{f: {Value: "x"}}
		if IsListField(f) {
			edited.Edits[f] = Edit{Value: []any{"x"}}
		}
		if got := edited.Effective().FieldText(f); got != "x" {
			t.Errorf("an edit of %s reads back as %q, want x", f, got)
		}
	}
}
