package community

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// persisted maps each field that holds stored state to the one accessor
// that may write it, marking it changed.
var persisted = map[string]string{
	"stats":  "edit",       // viewer.stats
	"stream": "editStream", // Channel.stream
}

// TestStoredStateWrittenOnlyThroughAccessors reads the package's source
// and fails on any write to a viewer's stats or the stream session that
// does not go through its accessor: an assignment, an increment, an
// address taken, or a viewer built with stats. Such a write would change
// state without the change ever reaching the store. NewChannel is exempt:
// it loads what the store already holds.
func TestStoredStateWrittenOnlyThroughAccessors(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name == "NewChannel" {
				continue
			}
			check := func(n ast.Node, e ast.Expr, what string) {
				if field := persistedField(e); field != "" && fn.Name.Name != persisted[field] {
					t.Errorf("%s: %s %s %s outside %s", fset.Position(n.Pos()), fn.Name.Name, what, field, persisted[field])
				}
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						check(n, lhs, "assigns to")
					}
				case *ast.IncDecStmt:
					check(n, n.X, "increments")
				case *ast.RangeStmt:
					check(n, n.Key, "ranges into")
					check(n, n.Value, "ranges into")
				case *ast.UnaryExpr:
					if n.Op == token.AND {
						check(n, n.X, "takes the address of")
					}
				case *ast.CompositeLit:
					if id, ok := n.Type.(*ast.Ident); ok && id.Name == "viewer" {
						for _, elt := range n.Elts {
							if kv, ok := elt.(*ast.KeyValueExpr); ok {
								if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "stats" {
									t.Errorf("%s: %s builds a viewer with stats outside edit", fset.Position(n.Pos()), fn.Name.Name)
								}
							}
						}
					}
				}
				return true
			})
		}
	}
}

// persistedField returns the persisted field that e denotes or is a part
// of, such as "stats" for v.stats.Points or c.viewers[id].stats, or "".
func persistedField(e ast.Expr) string {
	for e != nil {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			if _, ok := persisted[x.Sel.Name]; ok {
				return x.Sel.Name
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return ""
		}
	}
	return ""
}
