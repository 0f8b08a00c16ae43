package api

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
)

// maxZip bounds the originals of one ZIP download: a day's card, not the
// whole bank.
const maxZip = 500

type zipBody struct {
	IDs []string `json:"ids"`
}

// zipOriginals streams the originals of a selection as one ZIP. Every
// record is read before the first byte goes out, so an unknown id is a
// clean 404; after that the files are copied straight from the store to
// the response, one at a time, never held in memory. Entries are stored,
// not deflated: photos and videos are compressed already, and deflating
// them costs CPU for nothing.
func (s *Server) zipOriginals(c *gin.Context) {
	var body zipBody
	if err := s.bindJSON(c, &body, 64<<10); err != nil {
		s.fail(c, err)
		return
	}
	ids, err := zipIDs(body.IDs)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	recs := make([]*assets.Asset, len(ids))
	for i, id := range ids {
		if recs[i], _, err = assets.ReadRecord(ctx, s.Store, id); err != nil {
			s.fail(c, fmt.Errorf("zip: %w", err))
			return
		}
		if err := s.Collections.MayDownload(ctx, actor(c), recs[i].Collections); err != nil {
			s.fail(c, fmt.Errorf("zip: asset %s: %w", id, err))
			return
		}
	}
	s.record(c, "asset.download", "assets/zip", strconv.Itoa(len(ids))+" originals: "+strings.Join(ids, ","))

	name := "mediabank-" + s.Now().In(s.Zone).Format("2006-01-02") + ".zip"
	names := zipNames{}
	s.sendZip(c, name, len(recs), func(zw *zip.Writer, i int) error {
		return s.zipOne(c, zw, recs[i], names.add(recs[i].FileName, recs[i].ID))
	})
}

// zipOne copies one original into the archive under name.
func (s *Server) zipOne(c *gin.Context, zw *zip.Writer, a *assets.Asset, name string) error {
	rd, _, err := s.Store.Get(c.Request.Context(), a.Original)
	if err != nil {
		return fmt.Errorf("zip %s: open original: %w", a.ID, err)
	}
	defer rd.Close()
	fh := &zip.FileHeader{Name: name, Method: zip.Store, Modified: zipTime(a)}
	w, err := zw.CreateHeader(fh)
	if err != nil {
		return fmt.Errorf("zip %s: entry: %w", a.ID, err)
	}
	if _, err := io.Copy(w, rd); err != nil {
		return fmt.Errorf("zip %s: copy: %w", a.ID, err)
	}
	return nil
}

// zipTime is the time an entry shows in a file manager: when the picture
// was taken, else when it came into the bank.
func zipTime(a *assets.Asset) time.Time {
	if m := a.Effective(); m.TakenAt != nil {
		return *m.TakenAt
	}
	return a.Source.IngestedAt
}

// zipIDs checks the requested ids and drops repeats, keeping the order.
func zipIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, badRequest("ids: at least one asset id is required")
	}
	if len(ids) > maxZip {
		return nil, badRequest("ids: %d assets, at most %d in one ZIP", len(ids), maxZip)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := assets.ValidID(id); err != nil {
			return nil, badRequest("ids: %v", err)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// zipNames hands out entry names: the camera's file name, made unique
// case-insensitively (Windows and macOS unpack into case-insensitive
// folders) by a suffix, as a file manager would: DSC_0001 (2).JPG.
type zipNames map[string]bool

func (n zipNames) add(fileName, id string) string {
	name := downloadName(fileName)
	if name == "" {
		name = id[:12]
	}
	ext := path.Ext(name)
	if len(ext) > 20 || ext == name {
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	for i := 2; n[strings.ToLower(name)]; i++ {
		name = stem + " (" + strconv.Itoa(i) + ")" + ext
	}
	n[strings.ToLower(name)] = true
	return name
}

// downloadName is a camera's file name made safe to save on any system a
// download may land on: the last element only (cleanName), without the
// bidirectional controls that make "IMG_\u202Egpj.exe" look like a JPEG,
// without the characters Windows refuses (replaced by '_') or its
// trailing dots and spaces, and with Windows' reserved device names
// (CON, NUL, COM1, …, with any extension) prefixed by '_'.
func downloadName(fileName string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return -1
		case strings.ContainsRune(`<>:"/\|?*`, r), r < 0x20:
			return '_'
		}
		return r
	}, cleanName(fileName))
	name = strings.TrimRight(name, ". ")
	stem, _, _ := strings.Cut(name, ".")
	if reservedName(strings.ToUpper(strings.TrimSpace(stem))) {
		name = "_" + name
	}
	return name
}

func reservedName(stem string) bool {
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		return stem[3] >= '0' && stem[3] <= '9'
	}
	return false
}

// isAbort tells a deliberate break-off (http.ErrAbortHandler) from a
// fault, for recover.
func isAbort(v any) bool {
	err, ok := v.(error)
	return ok && errors.Is(err, http.ErrAbortHandler)
}
