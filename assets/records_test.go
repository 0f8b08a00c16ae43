package assets

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A record as mediabank writes it (indented), and one as the search
// benchmark's generator writes it (compact).
const (
	recordIndented = `{
  "id": "3f2a",
  "sha256": "3f2a",
  "size": 8741388,
  "file_name": "DSC_0042.NEF",
  "original": "originals/sha256/3f/3f2a",
  "source": {"path": "DCIM/100NIKON/DSC_0042.NEF", "root": "/media/kartu", "label": "KARTU", "host": "bank",
    "ingest_id": "ing-1", "ingested_at": "2026-08-17T13:52:36+07:00", "mod_time": "2026-08-17T09:15:00+07:00"},
  "collection": "lip-20260817-000001",
  "collections": ["lip-20260817-000001", "lip-20260817-000002"],
  "meta": {"mime": "image/x-nikon-nef", "kind": "photo", "width": 3008, "height": 2000, "orientation": 6,
    "taken_at": "2026-08-17T09:15:00+07:00", "make": "NIKON CORPORATION", "model": "NIKON D70",
    "lens": "18-70mm f/3.5-4.5", "exposure_time": 0.004, "f_number": 4.5, "iso": 200, "focal_length": 50,
    "caption": "Banjir di Ciledug \u00e9\u00e8 \"kutip\"", "headline": "Banjir", "keywords": ["banjir", "ciledug"],
    "creator": "Budi Santoso", "city": "Tangerang", "country": "Indonesia",
    "gps": {"lat": -6.2, "lon": 106.6}},
  "edits": {"caption": {"value": "Banjir surut", "by": "siti", "at": "2026-08-18T10:00:00Z"},
    "keywords": {"value": ["banjir", 2, null, {"a": true}], "by": "siti", "at": "2026-08-18T10:00:00Z"}},
  "renditions": {"preview": {"key": "renditions/3f/3f2a/preview.jpg", "width": 1600, "height": 1067, "size": 310000, "mime": "image/jpeg"}},
  "created_at": "2026-08-17T13:52:36+07:00"
}`
	recordCompact = `{"id":"00000fa7","sha256":"00000fa7","size":8741388,"file_name":"DSC_24813.MP4","meta":{"kind":"video","taken_at":"2022-12-10T07:52:36+07:00","make":"samsung","model":"SM-S918B","caption":"dewan pembeli malam","keywords":["lomba","pelantikan"],"creator":"Sri Wahyuni","city":"Bogor"},"renditions":{"thumbnail":{"key":"t.jpg","width":320,"height":213}},"created_at":"2022-12-10T13:52:36+07:00"}`
)

// FuzzDecodeJSON: decodeJSON, the records' faster decoder, decodes every
// record as encoding/json does, records being what WriteJSON writes
// (encoding/json, indented); and any bytes at all without a panic. (On
// bytes encoding/json never writes it may differ: it matches keys by
// their exact case and keeps invalid UTF-8.)
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{recordIndented, recordCompact, `{}`, `null`, `{"id":1}`, `{"meta":{"taken_at":"x"}}`,
		`{"ID":"upper case"}`, `{"collections":[null,"a"]}`, `{"id":"a","id":"b"}`, `{"size":1e3}`, "{\"id\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var any Asset
		_ = decodeJSON(data, &any)
		var a Asset
		if json.Unmarshal(data, &a) != nil {
			return
		}
		rec, err := json.MarshalIndent(&a, "", "  ")
		if err != nil {
			t.Fatalf("%q: decoded, but not encoded again: %v", data, err)
		}
		var want, got Asset
		if err := json.Unmarshal(rec, &want); err != nil {
			t.Fatalf("record %s: %v", rec, err)
		}
		if err := decodeJSON(rec, &got); err != nil {
			t.Fatalf("record %s: encoding/json decodes it, decodeJSON says %v", rec, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %s:\n got %+v\nwant %+v", rec, got, want)
		}
	})
}

// TestDecodeJSON: the seeds decode to the record they hold.
func TestDecodeJSON(t *testing.T) {
	var a Asset
	if err := decodeJSON([]byte(recordIndented), &a); err != nil {
		t.Fatal(err)
	}
	if a.FileName != "DSC_0042.NEF" || len(a.Collections) != 2 || a.Meta.Make != "NIKON CORPORATION" || a.Meta.TakenAt == nil {
		t.Errorf("decoded %+v", a)
	}
}
