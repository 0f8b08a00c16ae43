package jpegmeta

import (
	"encoding/xml"
	"strings"
)

const xmpHeader = "http://ns.adobe.com/xap/1.0/\x00"

// xmpSegment is an APP1 XMP packet with the fields where the IPTC Core
// schema puts them (dc and photoshop namespaces), or nil if f has none.
func xmpSegment(f Fields) []byte {
	var b strings.Builder
	esc := func(s string) string {
		var e strings.Builder
		xml.EscapeText(&e, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
		return e.String()
	}
	alt := func(name, v string) {
		if v != "" {
			b.WriteString("   <" + name + "><rdf:Alt><rdf:li xml:lang=\"x-default\">" + esc(v) + "</rdf:li></rdf:Alt></" + name + ">\n")
		}
	}
	list := func(name, kind string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b.WriteString("   <" + name + "><rdf:" + kind + ">")
		for _, v := range vs {
			if v == "" {
				continue
			}
			b.WriteString("<rdf:li>" + esc(v) + "</rdf:li>")
		}
		b.WriteString("</rdf:" + kind + "></" + name + ">\n")
	}
	simple := func(name, v string) {
		if v != "" {
			b.WriteString("   <" + name + ">" + esc(v) + "</" + name + ">\n")
		}
	}
	alt("dc:description", f.Caption)
	if f.Creator != "" {
		list("dc:creator", "Seq", []string{f.Creator})
	}
	alt("dc:rights", f.Copyright)
	list("dc:subject", "Bag", f.Keywords)
	simple("photoshop:Headline", f.Headline)
	simple("photoshop:Credit", f.Credit)
	if b.Len() == 0 {
		return nil
	}
	return []byte(xmpHeader + `<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">
` + b.String() + `  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
}
