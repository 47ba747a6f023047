package hearth

import (
	"errors"
	"fmt"
)

// Error codes, one per kind of failure a caller can act on. The HTTP layer
// maps each to one status.
const (
	ECONFLICT = "conflict"
	// EFORBIDDEN: the caller is known but may not do this (HTTP 403), as
	// against EUNAUTHORIZED, a caller not known (401).
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
)

// Error is an error with a code and a message safe to show to users.
type Error struct {
	Code    string
	Message string
}

// Error returns the message alone: it reads well in logs, in command-line
// errors and wrapped in other errors, and the code is for programs, which
// get it from ErrorCode.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is or wraps an *Error, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err if it is or wraps an
// *Error, and a generic message otherwise, so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}
