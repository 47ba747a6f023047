package community

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatsWrittenOnlyThroughEdit reads the package's source and fails on
// any write to a viewer's stats that does not go through Channel.edit: an
// assignment, an increment, an address taken, or a viewer built with
// stats anywhere but NewChannel, which loads what the store already holds.
// Such a write would change a viewer without the change ever reaching the
// store.
func TestStatsWrittenOnlyThroughEdit(t *testing.T) {
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
			if !ok || fn.Body == nil || fn.Name.Name == "edit" {
				continue
			}
			bad := func(n ast.Node, what string) {
				t.Errorf("%s: %s %s a viewer's stats outside Channel.edit", fset.Position(n.Pos()), fn.Name.Name, what)
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						if reachesStats(lhs) {
							bad(n, "assigns to")
						}
					}
				case *ast.IncDecStmt:
					if reachesStats(n.X) {
						bad(n, "increments")
					}
				case *ast.RangeStmt:
					if reachesStats(n.Key) || reachesStats(n.Value) {
						bad(n, "ranges into")
					}
				case *ast.UnaryExpr:
					if n.Op == token.AND && reachesStats(n.X) {
						bad(n, "takes the address of")
					}
				case *ast.CompositeLit:
					if id, ok := n.Type.(*ast.Ident); ok && id.Name == "viewer" && fn.Name.Name != "NewChannel" {
						for _, elt := range n.Elts {
							if kv, ok := elt.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "stats") {
								bad(n, "builds a viewer with")
							}
						}
					}
				}
				return true
			})
		}
	}
}

// reachesStats reports whether e denotes a viewer's stats or a part of
// them, such as v.stats.Points or c.viewers[id].stats.
func reachesStats(e ast.Expr) bool {
	for e != nil {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			if x.Sel.Name == "stats" {
				return true
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return false
		}
	}
	return false
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
