// Package migration reads a store's embedded schema migrations: one SQL
// file per version, named NNN_description.sql and numbered from 1 without
// gaps. Each store applies them in its own dialect and transaction.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the migrations in dir of fsys, ordered by version.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || path.Ext(name) != ".sql" {
			return nil, fmt.Errorf("migration %s: name must be NNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations embedded")
	}
	return ms, nil
}

// CheckNotNewer refuses a database whose schema is newer than the binary's
// migrations, with a message that says what to do.
func CheckNotNewer(current, known int) error {
	if current > known {
		return fmt.Errorf("store: database schema is version %d but this hearth binary knows up to %d; upgrade hearth", current, known)
	}
	return nil
}
