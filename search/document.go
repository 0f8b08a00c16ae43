package search

import (
	"fmt"
	"strings"
	"time"

	"mediabank/assets"
)

// document is what the index holds for an asset: the effective metadata
// (people's edits over what the file says) plus derived facet values.
func document(a *assets.Asset, zone *time.Location) map[string]any {
	m := a.Effective()
	camera := cameraName(m.Make, m.Model)
	d := map[string]any{typeField: assetType}
	text := func(field, v string) {
		if v = strings.TrimSpace(v); v != "" {
			d[field] = v
		}
	}
	text(fType, string(m.Kind))
	text(fName, a.FileName)
	d[fNameSort] = nameKey(a.FileName, a.ID)
	text(fCaption, m.Caption)
	text(fHeadline, m.Headline)
	text(fCreator, m.Creator)
	text(fMake, m.Make)
	text(fModel, m.Model)
	text(fCamera, camera)
	text(fLens, m.Lens)
	text(fCity, m.City)
	text(fCountry, m.Country)
	if len(a.Collections) > 0 {
		d[fCollection] = a.Collections
	}
	var fv []string
	facet := func(name, v string) {
		if v = strings.TrimSpace(v); v != "" {
			fv = append(fv, name+":"+v)
		}
	}
	facet("type", strings.ToLower(string(m.Kind)))
	facet("camera", camera)
	facet("creator", m.Creator)
	facet("lens", m.Lens)
	facet("city", m.City)
	for _, c := range a.Collections {
		if strings.TrimSpace(c) != "" {
			fv = append(fv, collectionTerm(c))
		}
	}
	if len(m.Keywords) > 0 {
		d[fKeywords] = m.Keywords
	}
	if m.TakenAt != nil {
		// Year, month and day are those of the office's calendar, not
		// UTC's. taken: queries match their terms (dayTerms), and a page
		// in date order is sliced to the days or months (stats.slice).
		t := m.TakenAt.In(zone)
		d[fTakenAt] = t.UTC().Format(time.RFC3339) // shown in hits
		d[fTakenAsc], d[fTakenDesc] = sortKeys(t, a.ID)
		d[fYear] = yearTerm(t)
		fv = append(fv, monthTerm(t), dayTerm(t))
	} else {
		// Undated assets last in both orders, in id order.
		d[fTakenAsc], d[fTakenDesc] = undatedKey+a.ID, undatedKey+a.ID
	}
	if len(fv) > 0 {
		d[fFacets] = fv
	}
	return d
}

// collectionDoc is what the index holds for a coverage collection.
func collectionDoc(c Collection, zone *time.Location) map[string]any {
	d := map[string]any{typeField: collectionType, fID: c.ID, fTitle: c.Title, fAgency: c.Agency,
		fPlace: c.Place, fDescription: c.Description, fState: c.State, fStaff: c.Staff}
	if !c.StartsAt.IsZero() {
		d[fStarts] = c.StartsAt.In(zone)
	}
	return d
}

// collectionTerm is the facets field's term of a collection id: lower
// case, as a scope of collections asks for it (inCollections).
func collectionTerm(id string) string { return "collection:" + strings.ToLower(strings.TrimSpace(id)) }

// The terms of a time's year (of the year field), month and day (of the
// facets field), in the zone of t.
func yearTerm(t time.Time) string  { return t.Format("2006") }
func monthTerm(t time.Time) string { return "month:" + t.Format("2006-01") }
func dayTerm(t time.Time) string   { return "day:" + t.Format("2006-01-02") }

// nameKey is the key of the name order: the file name, then the id
// (after a byte that sorts before any character), so that equal names
// come out in id order; assets without a name come last, in id order.
// Of the id, its first nameIDDigits: the walk of the keys (namePage)
// reads each key's every byte, and 16 hex digits of a SHA-256 tell
// apart any two assets of one name a bank will hold (two that agree in
// them tie, and come out in index order).
func nameKey(name, id string) string {
	if name = strings.TrimSpace(name); name == "" {
		name = "\U0010FFFF" // the last character
	}
	return name + "\x00" + id[:min(len(id), nameIDDigits)]
}

// nameIDDigits is how much of the id ends a name key.
const nameIDDigits = 16

// undatedKey starts the sort keys of undated assets: after every hex
// digit, so they come last.
const undatedKey = "~"

// sortKeys are the keys of the oldest-first and newest-first orders, both
// sorted ascending: the time in nanoseconds as 16 hex digits (the sign
// bit flipped so that times before 1970 sort first; all bits flipped for
// newest first), then the id, so equal times come out in id order in
// both directions.
func sortKeys(t time.Time, id string) (asc, desc string) {
	u := uint64(t.UnixNano()) ^ 1<<63
	return fmt.Sprintf("%016x%s", u, id), fmt.Sprintf("%016x%s", ^u, id)
}

// makers gives the readable brand for the first word of an EXIF Make,
// which cameras write as "NIKON CORPORATION", "OLYMPUS IMAGING CORP." or
// "SONY".
var makers = map[string]string{
	"nikon": "Nikon", "canon": "Canon", "sony": "Sony", "fujifilm": "Fujifilm",
	"olympus": "Olympus", "panasonic": "Panasonic", "samsung": "Samsung",
	"apple": "Apple", "dji": "DJI", "gopro": "GoPro", "ricoh": "Ricoh",
	"leica": "Leica", "xiaomi": "Xiaomi", "oppo": "OPPO", "vivo": "vivo",
	"huawei": "Huawei", "google": "Google", "pentax": "Pentax",
}

// cameraName makes "Make Model" readable: "NIKON CORPORATION" +
// "NIKON D70" gives "Nikon D70", "Canon" + "Canon EOS R6" gives
// "Canon EOS R6".
func cameraName(make, model string) string {
	brand := strings.Join(strings.Fields(make), " ")
	if f := strings.Fields(brand); len(f) > 0 {
		if b, ok := makers[strings.ToLower(f[0])]; ok {
			brand = b
		}
	}
	model = strings.Join(strings.Fields(model), " ")
	// Most cameras repeat the brand in the model.
	if brand != "" && len(model) > len(brand) && strings.EqualFold(model[:len(brand)+1], brand+" ") {
		model = model[len(brand)+1:]
	}
	return strings.TrimSpace(brand + " " + model)
}
