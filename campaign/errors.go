package campaign

import (
	"errors"
	"fmt"
)

// Errors the Service returns; the HTTP adapter maps each to a status.
var (
	// ErrNotFound: no such object visible to the caller (404). Objects of
	// other users that the caller may not read are reported this way too.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller may see the object but lacks the permission
	// for the action (403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotEditable: the draft was already reviewed, so its body is final
	// (409).
	ErrNotEditable = errors.New("draft is no longer editable")
	// ErrAlreadyReviewed: the draft was already approved or rejected (409).
	ErrAlreadyReviewed = errors.New("draft already reviewed")
)

// ValidationError reports one invalid input field (422). Field is the
// field's JSON name, with an index for list elements ("keywords[2]").
// Constructors that find several invalid fields return them joined with
// errors.Join; errors.As finds the first, and the joined error's
// Unwrap() []error lists them all (see ValidationErrors).
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// ValidationErrors returns every *ValidationError in err's tree, in order;
// nil when there is none.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ve, ok := e.(*ValidationError); ok {
			out = append(out, ve)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// fieldErrors collects validation errors while checking an input.
type fieldErrors []error

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns nil, the single error, or all of them joined.
func (f fieldErrors) err() error {
	switch len(f) {
	case 0:
		return nil
	case 1:
		return f[0]
	}
	return errors.Join(f...)
}
