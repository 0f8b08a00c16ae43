package renditions

import (
	"mediabank/containers"
	"mediabank/icc"
)

// colour is the colour space of a candidate's pixels, for turning them
// into sRGB (the renditions are sRGB JPEGs without a profile, which the
// web and social channels take for sRGB). A nil profile is sRGB;
// unconverted says why a profile the picture has is left unapplied (it is
// broken, or LUT-based): its pixels are then used as they are.
type colour struct {
	profile     *icc.Profile
	unconverted string
}

// colourOf is the colour that a container's ICC bytes give (raw, and the
// error of finding them), else implied: what the EXIF, or the file around
// an embedded preview, says.
func colourOf(raw []byte, err error, implied colour) colour {
	if err == nil && raw == nil {
		return implied
	}
	if err == nil {
		p, perr := icc.Parse(raw)
		if perr == nil {
			return colour{profile: p}
		}
		err = perr
	}
	return colour{unconverted: err.Error()}
}

// exifColour is the colour an EXIF implies (Adobe RGB for a camera's
// "R03"), else implied.
func exifColour(t *containers.TIFFFile, ifd0 containers.IFD, implied colour) colour {
	c := t.ExifColour(ifd0)
	if p := icc.FromEXIF(c.ColorSpace, c.Interop); p != nil {
		return colour{profile: p}
	}
	return implied
}
