package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// catalogues holds every string of the console, one JSON file per
// language (i18n/LANG.json), each with the same keys.
//
//go:embed i18n/*.json
var catalogues embed.FS

// languages are the languages the console speaks, English first (the
// fallback).
var languages = []string{"en", "fr"}

// lang is one language's catalogue.
type lang struct {
	Code string
	m    map[string]string
}

// langs are the catalogues by language code, read once.
var langs = loadLangs()

func loadLangs() map[string]lang {
	out := make(map[string]lang, len(languages))
	for _, code := range languages {
		b, err := catalogues.ReadFile("i18n/" + code + ".json")
		if err != nil {
			panic("console: catalogue " + code + ": " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("console: catalogue " + code + ": " + err.Error())
		}
		out[code] = lang{Code: code, m: m}
	}
	return out
}

// T returns key's text, formatted with args as fmt.Sprintf does; a key
// missing from the catalogue shows as itself, which a test forbids.
func (l lang) T(key string, args ...any) string {
	s, ok := l.m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// percent formats a share from 0 to 1 as a percentage with one decimal,
// as the language writes it: "12.5%", "12,5 %".
func (l lang) percent(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	if l.Code == "fr" {
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
	return s + "%"
}
