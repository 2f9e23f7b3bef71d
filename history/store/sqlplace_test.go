package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlStatement matches the statements the store runs, in capitals as the store
// writes them.
var sqlStatement = regexp.MustCompile(`\bSELECT\b[\s\S]+\bFROM\b|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)\b|\bPRAGMA\s`)

// sqlCalls are the database/sql methods that run or prepare a statement.
var sqlCalls = map[string]bool{
	"ExecContext": true, "QueryContext": true, "QueryRowContext": true,
	"Prepare": true, "PrepareContext": true, "StmtContext": true,
	"Exec": true, "Query": true, "QueryRow": true,
}

// storeFile reports whether path (slash-separated, from the module's
// root) is one of the store's program files, the only ones that may hold
// SQL.
func storeFile(path string) bool {
	dir, name := filepath.Split(path)
	return dir == "history/store/" && !strings.HasSuffix(name, "_test.go")
}

// TestSQLOnlyInTheStore: no program file of the module outside the store's
// files runs a statement or holds the text of one. A query written
// elsewhere would bypass the store's prepared statements, its errors and
// its tests.
func TestSQLOnlyInTheStore(t *testing.T) {
	t.Parallel()
	root := "../.."
	var checked, storeSQL int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") && name != ".ci" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			var what string
			switch n := n.(type) {
			case *ast.CallExpr:
				// Any receiver: a method of that name on a database, a
				// transaction or a statement.
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sqlCalls[sel.Sel.Name] && looksLikeSQLCall(n) {
					what = "a call of " + sel.Sel.Name
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil && sqlStatement.MatchString(s) {
						what = "the statement " + strconv.Quote(firstLine(s))
					}
				}
			}
			if what == "" {
				return true
			}
			if storeFile(rel) {
				storeSQL++
				return true
			}
			t.Errorf("%s holds %s: SQL belongs in the store (history/store)", rel, what)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan itself is checked: it read the module and found the
	// store's own SQL.
	if checked < 50 || storeSQL < 50 {
		t.Fatalf("read %d files and found %d statements in the store's files; the scan is broken", checked, storeSQL)
	}
}

// looksLikeSQLCall tells a statement run from other calls of the same
// name: its first argument but one is a context, or it has a string.
func looksLikeSQLCall(c *ast.CallExpr) bool {
	sel := c.Fun.(*ast.SelectorExpr)
	if strings.HasSuffix(sel.Sel.Name, "Context") {
		return true // ExecContext and the rest take a context first
	}
	// Exec, Query, QueryRow, Prepare: only with a statement's text.
	if len(c.Args) == 0 {
		return false
	}
	lit, ok := c.Args[0].(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
