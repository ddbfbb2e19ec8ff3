package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The panel: plain HTML, CSS and JavaScript modules, served from the binary.
//
//go:embed static
var staticFiles embed.FS

// panelCSP allows nothing inline and nothing from elsewhere: the panel
// shows patient data. connect-src 'self' covers the websocket of the same
// host. The frame-ancestors sources follow (Edge.FrameAncestors).
const panelCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "

// An asset is one embedded file as served: its content with references to
// other assets rewritten to their hashed names.
type asset struct {
	body        []byte
	contentType string
}

// assets are the panel's files under their served names, and the pages.
type assets struct {
	files map[string]asset // "app.3f2a9c1b7d.js" -> asset
	index []byte           // index.html (the panel) pointing at the hashed names
	pages map[string][]byte
}

// References an asset makes to another: `'./row.js'` in a module (imports
// and new URL(..., import.meta.url)) or a stylesheet, `"/static/app.js"` in
// the page. Only names of embedded files are rewritten.
var (
	relRef    = regexp.MustCompile(`(["'(])\./([A-Za-z0-9_-]+\.[a-z0-9]+)(["')])`)
	staticRef = regexp.MustCompile(`(["'])/static/([A-Za-z0-9_-]+\.[a-z0-9]+)(["'])`)
)

// loadAssets gives every embedded file a name that carries the hash of its
// content (with its references already rewritten, so that a change to a
// module changes the names of the modules that import it), renders the
// pages (index.html, signin.html: every .html) with the partials they use
// (every .tmpl, not served) and rewrites them to those names. References
// form a tree of imports; a cycle is an error.
func loadAssets(fsys fs.FS) (*assets, error) {
	src := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(p, "/") {
			return fmt.Errorf("static/%s: the panel's files are one flat folder", p)
		}
		b, err := fs.ReadFile(fsys, p)
		src[p] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, ok := src["index.html"]; !ok {
		return nil, fmt.Errorf("static/index.html is missing")
	}
	pages, partials := map[string][]byte{}, map[string][]byte{}
	for name, b := range src {
		switch path.Ext(name) {
		case ".html":
			pages[name] = b
			delete(src, name)
		case ".tmpl":
			partials[name] = b
			delete(src, name)
		}
	}
	pages, err = renderPages(pages, partials)
	if err != nil {
		return nil, err
	}

	hashed := map[string]string{} // "app.js" -> "app.3f2a9c1b7d.js"
	a := &assets{files: map[string]asset{}, pages: map[string][]byte{}}
	var visit func(name string, stack []string) error
	visit = func(name string, stack []string) error {
		if _, done := hashed[name]; done {
			return nil
		}
		if slices.Contains(stack, name) {
			return fmt.Errorf("static: reference cycle %s -> %s", strings.Join(stack, " -> "), name)
		}
		body := src[name]
		if isText(name) {
			for _, m := range relRef.FindAllSubmatch(body, -1) {
				if ref := string(m[2]); src[ref] != nil {
					if err := visit(ref, append(stack, name)); err != nil {
						return err
					}
				}
			}
			body = relRef.ReplaceAllFunc(body, func(m []byte) []byte {
				sm := relRef.FindSubmatch(m)
				if h, ok := hashed[string(sm[2])]; ok {
					return []byte(string(sm[1]) + "./" + h + string(sm[3]))
				}
				return m
			})
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		served := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		hashed[name] = served
		a.files[served] = asset{body: body, contentType: contentType(ext)}
		return nil
	}
	names := make([]string, 0, len(src))
	for name := range src {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	for name, page := range pages {
		var missing []string
		a.pages[name] = staticRef.ReplaceAllFunc(page, func(m []byte) []byte {
			sm := staticRef.FindSubmatch(m)
			h, ok := hashed[string(sm[2])]
			if !ok {
				missing = append(missing, string(sm[2]))
				return m
			}
			return []byte(string(sm[1]) + "/static/" + h + string(sm[3]))
		})
		if len(missing) > 0 {
			return nil, fmt.Errorf("static/%s refers to missing files: %s", name, strings.Join(missing, ", "))
		}
	}
	a.index = a.pages["index.html"]
	return a, nil
}

// renderPages executes each page as an HTML template, with the templates
// the partials define (head.tmpl: the head every page starts with). They
// are rendered once, as the assets are loaded: a page takes no data.
func renderPages(pages, partials map[string][]byte) (map[string][]byte, error) {
	t := template.New("")
	for _, set := range []map[string][]byte{partials, pages} {
		for name, b := range set {
			if _, err := t.New(name).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("static: %w", err)
			}
		}
	}
	out := make(map[string][]byte, len(pages))
	for name := range pages {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, name, nil); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

func isText(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".html", ".svg":
		return true
	}
	return false
}

func contentType(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".wav":
		return "audio/wav"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// panel returns the handlers of the panel: the page, its assets (hashed
// names, cached for a year) and its configuration.
func (s *Server) panel(cfg Config) handlers {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	a, err := loadAssets(sub)
	if err != nil {
		panic(err) // a broken embedded panel is a build defect, caught by any test that starts a Server
	}
	ttl := cfg.ClaimTTL
	if ttl <= 0 {
		ttl = 20 * time.Minute // the store's default
	}
	config := fiber.Map{"pacsUrlTemplate": cfg.PACSURLTemplate, "claimTtlSeconds": ttl.Seconds()}
	return handlers{
		page: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentSecurityPolicy, s.panelCSP)
			c.Set(fiber.HeaderCacheControl, "no-cache")
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Send(a.index)
		},
		statsPage: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentSecurityPolicy, s.panelCSP)
			c.Set(fiber.HeaderCacheControl, "no-cache")
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Send(a.pages["stats.html"])
		},
		signin: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentSecurityPolicy, s.panelCSP)
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Send(a.pages["signin.html"])
		},
		asset: func(c *fiber.Ctx) error {
			f, ok := a.files[c.Params("name")]
			if !ok {
				return fiber.ErrNotFound
			}
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			c.Set(fiber.HeaderContentType, f.contentType)
			return c.Send(f.body)
		},
		config: func(c *fiber.Ctx) error { return c.JSON(config) },
	}
}
