package metadata

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

const (
	rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	xmlNS = "http://www.w3.org/XML/1998/namespace"
	// maxXMPBytes bounds one XMP packet; real ones with long edit
	// histories stay well under a megabyte.
	maxXMPBytes = 4 << 20
)

// xmpGroups names the XMP namespaces we read the way ExifTool does
// ("XMP-dc", "XMP-photoshop"…); properties in other namespaces are ignored.
var xmpGroups = map[string]string{
	"http://purl.org/dc/elements/1.1/":   "XMP-dc",
	"http://ns.adobe.com/photoshop/1.0/": "XMP-photoshop",
	"http://ns.adobe.com/xap/1.0/":       "XMP-xmp",
	"http://ns.adobe.com/exif/1.0/":      "XMP-exif",
	"http://ns.adobe.com/tiff/1.0/":      "XMP-tiff",
	"http://ns.adobe.com/exif/1.0/aux/":  "XMP-aux",
	"http://cipa.jp/exif/1.0/":           "XMP-exifEX",
}

// parseXMP reads the simple properties and the rdf:Bag/Seq/Alt lists of an
// XMP packet into p as "XMP-group:Name" (Alt lists give the x-default
// entry). Structures are skipped: none of the fields we keep uses them.
func parseXMP(data []byte, p props) error {
	data = xmpUTF8(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	// Packets declare encodings we have already normalised to UTF-8.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("xmp: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == rdfNS && se.Name.Local == "Description" {
			if err := readDescription(d, se, p); err != nil {
				return fmt.Errorf("xmp: %w", err)
			}
		}
	}
}

// readDescription reads one rdf:Description: its attributes and its
// child property elements, up to its end element.
func readDescription(d *xml.Decoder, se xml.StartElement, p props) error {
	for _, a := range se.Attr {
		if g, ok := xmpGroups[a.Name.Space]; ok {
			p.setDefault(g+":"+a.Name.Local, a.Value)
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			g, known := xmpGroups[t.Name.Space]
			if !known {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			v, err := readProperty(d, t)
			if err != nil {
				return err
			}
			p.setDefault(g+":"+t.Name.Local, v)
		}
	}
}

// readProperty reads a property element's value: its text, or the items
// of the rdf list it holds. It returns nil for structures.
func readProperty(d *xml.Decoder, se xml.StartElement) (any, error) {
	for _, a := range se.Attr {
		if a.Name.Space == rdfNS && a.Name.Local == "parseType" {
			return nil, d.Skip()
		}
	}
	var sb strings.Builder
	var items []string
	var value any
	var isAlt, isStruct bool
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.StartElement:
			switch {
			case t.Name.Space == rdfNS && (t.Name.Local == "Bag" || t.Name.Local == "Seq" || t.Name.Local == "Alt"):
				isAlt = t.Name.Local == "Alt"
				v, err := readList(d, isAlt)
				if err != nil {
					return nil, err
				}
				items = v
			default:
				isStruct = true
				if err := d.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			switch {
			case len(items) > 0:
				if isAlt || len(items) == 1 {
					value = items[0]
				} else {
					value = items
				}
			case items != nil:
				value = nil // an empty list says nothing
			case isStruct:
				value = nil
			default:
				value = strings.TrimSpace(sb.String())
			}
			return value, nil
		}
	}
}

// readList reads rdf:li items up to the list's end element. For an Alt
// list the x-default item comes first.
func readList(d *xml.Decoder, alt bool) ([]string, error) {
	items := []string{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			lang := ""
			for _, a := range t.Attr {
				if a.Name.Space == xmlNS && a.Name.Local == "lang" {
					lang = a.Value
				}
			}
			s, err := readText(d)
			if err != nil {
				return nil, err
			}
			if alt && lang == "x-default" {
				items = append([]string{s}, items...)
			} else {
				items = append(items, s)
			}
		case xml.EndElement:
			return items, nil
		}
	}
}

// readText returns the text of the current element, skipping any child
// elements, up to its end element.
func readText(d *xml.Decoder) (string, error) {
	var sb strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return strings.TrimSpace(sb.String()), nil
		}
	}
}

// xmpUTF8 converts a UTF-16 packet (allowed by the XMP spec, and written
// by some tools) to UTF-8; UTF-8 input is returned as is.
func xmpUTF8(b []byte) []byte {
	var big bool
	switch {
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		big, b = true, b[2:]
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		big, b = false, b[2:]
	case len(b) >= 2 && b[0] == 0 && b[1] != 0:
		big = true
	case len(b) >= 2 && b[0] != 0 && b[1] == 0:
		big = false
	default:
		return bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u)))
}
