// Package jsonlist encodes JSON as Hearth's API and exports write it: a
// list is a list whether or not it has entries.
package jsonlist

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// Marshal is the one JSON encoder every API answer and JSON export goes
// through: encoding/json's, except that a nil slice is written as [] and a
// nil map as {}, never as null, so that a list in an API answer is a list
// whether or not it has entries (the winners of an open poll, the polls of
// a channel that has had none). A nil pointer stays null: it is an absent
// object, not an empty list. Values that marshal themselves
// (json.Marshaler, encoding.TextMarshaler) are written as they choose, as
// are fields tagged omitzero, which a nil omits and an empty list would
// not.
func Marshal(v any) ([]byte, error) {
	if v == nil {
		return json.Marshal(v)
	}
	return json.Marshal(emptyNotNil(reflect.ValueOf(v)).Interface())
}

// MarshalIndent is Marshal with each element on its own line, indented by
// indent, for files people read.
func MarshalIndent(v any, indent string) ([]byte, error) {
	if v == nil {
		return json.MarshalIndent(v, "", indent)
	}
	return json.MarshalIndent(emptyNotNil(reflect.ValueOf(v)).Interface(), "", indent)
}

// emptyNotNil returns v with every nil slice and map it holds, at any
// depth, replaced by an empty one. It copies what it changes and leaves v
// as it was.
func emptyNotNil(v reflect.Value) reflect.Value {
	t := v.Type()
	if !mayHoldNil(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return reflect.MakeSlice(t, 0, 0)
		}
		if !mayHoldNil(t.Elem()) {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(emptyNotNil(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(emptyNotNil(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return reflect.MakeMap(t)
		}
		if !mayHoldNil(t.Elem()) {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), emptyNotNil(it.Value()))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(emptyNotNil(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(emptyNotNil(v.Elem()))
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || !mayHoldNil(f.Type) || strings.Contains(f.Tag.Get("json"), ",omitzero") {
				continue
			}
			out.Field(i).Set(emptyNotNil(v.Field(i)))
		}
		return out
	}
	return v
}

// nilCapable caches mayHoldNil by type.
var nilCapable sync.Map // reflect.Type → bool

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// mayHoldNil reports whether a value of type t can hold a nil slice or map
// that Marshal would write: a type that marshals itself cannot.
func mayHoldNil(t reflect.Type) bool {
	if b, ok := nilCapable.Load(t); ok {
		return b.(bool)
	}
	b := mayHoldNilType(t, map[reflect.Type]bool{})
	nilCapable.Store(t, b)
	return b
}

func mayHoldNilType(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if visiting[t] {
		return false
	}
	visiting[t] = true
	defer delete(visiting, t)
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return false
	}
	switch t.Kind() {
	case reflect.Slice:
		// []byte is written as base64 text, not as a list.
		return t.Elem().Kind() != reflect.Uint8 || mayHoldNilType(t.Elem(), visiting)
	case reflect.Map, reflect.Interface:
		return true
	case reflect.Pointer, reflect.Array:
		return mayHoldNilType(t.Elem(), visiting)
	case reflect.Struct:
		for f := range t.Fields() {
			if f.IsExported() && mayHoldNilType(f.Type, visiting) {
				return true
			}
		}
	}
	return false
}
