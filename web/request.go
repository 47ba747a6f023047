package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// decodeJSON reads a request body of at most limit bytes into v, a
// pointer to a struct: one JSON object whose fields are named exactly as
// v's json tags name them, each at most once. encoding/json alone would
// match names without regard to case ({"QUESTION": ..} for question) and
// let a repeated field's last value win. A refusal is EINVALID naming the
// field at fault.
func decodeJSON(body []byte, limit int, v any) error {
	if len(body) > limit {
		return hearth.Errorf(hearth.EINVALID, "body: larger than %d bytes", limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return hearth.Errorf(hearth.EINVALID, "body: not a JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return hearth.Errorf(hearth.EINVALID, "body: more than one JSON value")
	}
	if err := exactFields(raw, v); err != nil {
		return err
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return hearth.Errorf(hearth.EINVALID, "body: must be a JSON object")
		case errors.As(err, &te):
			return hearth.Errorf(hearth.EINVALID, "%s: must be %s", te.Field, te.Type)
		}
		return hearth.Errorf(hearth.EINVALID, "body: %v", err)
	}
	return nil
}

// exactFields checks that raw, one JSON value, is an object whose every
// field is one of the json names of the struct v points to, each given
// once.
func exactFields(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return hearth.Errorf(hearth.EINVALID, "body: must be a JSON object")
	}
	names := jsonNames(reflect.TypeOf(v).Elem())
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return hearth.Errorf(hearth.EINVALID, "body: not a JSON object: %v", err)
		}
		key, _ := tok.(string)
		if !slices.Contains(names, key) {
			for _, n := range names {
				if strings.EqualFold(n, key) {
					return hearth.Errorf(hearth.EINVALID, "%s: no such field (did you mean %s? names are exact)", key, n)
				}
			}
			return hearth.Errorf(hearth.EINVALID, "%s: no such field", key)
		}
		if seen[key] {
			return hearth.Errorf(hearth.EINVALID, "%s: given twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return hearth.Errorf(hearth.EINVALID, "body: not a JSON object: %v", err)
		}
	}
	return nil
}

// jsonNames returns the names under which encoding/json reads the fields
// of the struct type t.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// pageLimit returns a list request's ?limit=: 1 to 100, 20 if absent.
func pageLimit(c *fiber.Ctx) (int, error) {
	limit, err := strconv.Atoi(c.Query("limit", "20"))
	if err != nil || limit < 1 || limit > 100 {
		return 0, hearth.Errorf(hearth.EINVALID, "limit: must be a whole number from 1 to 100")
	}
	return limit, nil
}
