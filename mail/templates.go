package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var defaultFS embed.FS

// Data is what a template sees.
type Data struct {
	// App is the product name shown in e-mails; "kpbot" by default.
	App string
	// Name is the recipient's display name; may be empty.
	Name string
	// Link is the URL the e-mail asks the reader to open; empty for
	// notices.
	Link string
	// Email is the address the e-mail is about (the new address in a
	// change of address notice).
	Email string
	// Role is the role an invitation grants.
	Role string
}

// Templates renders e-mails by name from three templates per name in one
// file system: <name>.subject.txt, <name>.txt (text/template) and
// <name>.html (html/template; optional).
type Templates struct {
	fsys fs.FS
}

// DefaultTemplates returns the built-in templates: password_reset,
// password_reset_unknown, password_changed, verify_email, invitation,
// email_change, email_change_notice.
func DefaultTemplates() *Templates {
	sub, _ := fs.Sub(defaultFS, "templates") // the directory is embedded
	return &Templates{fsys: sub}
}

// NewTemplates returns templates read from fsys, falling back to the
// built-in template for any file fsys lacks, so an embedder can replace
// one e-mail or all of them.
func NewTemplates(fsys fs.FS) *Templates {
	return &Templates{fsys: overlay{fsys, DefaultTemplates().fsys}}
}

// Render builds the message named name for to.
func (t *Templates) Render(name, to string, d Data) (Message, error) {
	if d.App == "" {
		d.App = "kpbot"
	}
	subject, err := t.text(name+".subject.txt", d)
	if err != nil {
		return Message{}, err
	}
	text, err := t.text(name+".txt", d)
	if err != nil {
		return Message{}, err
	}
	m := Message{To: to, Subject: strings.TrimSpace(subject), Text: text}
	raw, err := fs.ReadFile(t.fsys, name+".html")
	switch {
	case err == nil:
		h, err := htmltemplate.New(name).Parse(string(raw))
		if err != nil {
			return Message{}, fmt.Errorf("mail template %s.html: %w", name, err)
		}
		var b bytes.Buffer
		if err := h.Execute(&b, d); err != nil {
			return Message{}, fmt.Errorf("mail template %s.html: %w", name, err)
		}
		m.HTML = b.String()
	case !errors.Is(err, fs.ErrNotExist):
		return Message{}, fmt.Errorf("mail template %s.html: %w", name, err)
	}
	return m, m.Validate()
}

func (t *Templates) text(file string, d Data) (string, error) {
	raw, err := fs.ReadFile(t.fsys, file)
	if err != nil {
		return "", fmt.Errorf("mail template %s: %w", file, err)
	}
	tt, err := texttemplate.New(file).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return "", fmt.Errorf("mail template %s: %w", file, err)
	}
	var b bytes.Buffer
	if err := tt.Execute(&b, d); err != nil {
		return "", fmt.Errorf("mail template %s: %w", file, err)
	}
	return b.String(), nil
}

// overlay reads from first, then from second.
type overlay struct{ first, second fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.first.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.second.Open(name)
}
