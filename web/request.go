package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// decodeJSON reads a request body of at most limit bytes into v: one JSON
// object, no unknown field. A refusal is EINVALID naming the field at
// fault.
func decodeJSON(body []byte, limit int, v any) error {
	if len(body) > limit {
		return hearth.Errorf(hearth.EINVALID, "body: larger than %d bytes", limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return hearth.Errorf(hearth.EINVALID, "body: must be a JSON object")
		case errors.As(err, &te):
			return hearth.Errorf(hearth.EINVALID, "%s: must be %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return hearth.Errorf(hearth.EINVALID, "%s: no such field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		}
		return hearth.Errorf(hearth.EINVALID, "body: not a JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return hearth.Errorf(hearth.EINVALID, "body: more than one JSON value")
	}
	return nil
}

// pageLimit returns a list request's ?limit=: 1 to 100, 20 if absent.
func pageLimit(c *fiber.Ctx) (int, error) {
	limit, err := strconv.Atoi(c.Query("limit", "20"))
	if err != nil || limit < 1 || limit > 100 {
		return 0, hearth.Errorf(hearth.EINVALID, "limit: must be a whole number from 1 to 100")
	}
	return limit, nil
}
