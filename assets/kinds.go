package assets

// kinds maps the extensions the office's cameras, phones and recorders
// write to what they are. Anything else on a card is not media and is
// skipped (and counted).
var kinds = map[string]struct {
	kind Kind
	mime string
}{
	"jpg": {KindPhoto, "image/jpeg"}, "jpeg": {KindPhoto, "image/jpeg"},
	"png": {KindPhoto, "image/png"}, "webp": {KindPhoto, "image/webp"},
	"tif": {KindPhoto, "image/tiff"}, "tiff": {KindPhoto, "image/tiff"},
	"heic": {KindPhoto, "image/heic"}, "heif": {KindPhoto, "image/heif"},
	"cr2": {KindPhoto, "image/x-canon-cr2"}, "cr3": {KindPhoto, "image/x-canon-cr3"},
	"nef": {KindPhoto, "image/x-nikon-nef"}, "arw": {KindPhoto, "image/x-sony-arw"},
	"raf": {KindPhoto, "image/x-fuji-raf"}, "rw2": {KindPhoto, "image/x-panasonic-rw2"},
	"orf": {KindPhoto, "image/x-olympus-orf"}, "dng": {KindPhoto, "image/x-adobe-dng"},
	"mp4": {KindVideo, "video/mp4"}, "m4v": {KindVideo, "video/mp4"},
	"mov": {KindVideo, "video/quicktime"}, "mts": {KindVideo, "video/mp2t"},
	"m2ts": {KindVideo, "video/mp2t"}, "avi": {KindVideo, "video/x-msvideo"},
	"mkv": {KindVideo, "video/x-matroska"}, "3gp": {KindVideo, "video/3gpp"},
	"wav": {KindAudio, "audio/wav"}, "mp3": {KindAudio, "audio/mpeg"},
	"m4a": {KindAudio, "audio/mp4"}, "aac": {KindAudio, "audio/aac"},
	"flac": {KindAudio, "audio/flac"}, "ogg": {KindAudio, "audio/ogg"},
	"opus": {KindAudio, "audio/ogg"}, "wma": {KindAudio, "audio/x-ms-wma"},
	"pdf": {KindDocument, "application/pdf"},
}

// KindOf tells from a file name whether it is media the bank keeps, and
// its kind and MIME type. The extension decides here; the metadata reader
// checks the bytes later and warns when they disagree.
func KindOf(name string) (Kind, string, bool) {
	k, ok := kinds[Ext(name)]
	return k.kind, k.mime, ok
}

// IsSidecar tells whether name is an XMP sidecar.
func IsSidecar(name string) bool { return Ext(name) == "xmp" }
