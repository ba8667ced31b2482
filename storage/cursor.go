package storage

import "errors"

// ErrInvalidCursor reports a pagination cursor that this store did not
// issue or cannot read; callers answer it as a bad request.
var ErrInvalidCursor = errors.New("storage: invalid cursor")
