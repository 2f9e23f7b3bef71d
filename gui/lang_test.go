package gui

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// update adds the keys the code uses to the translation files: English
// as the key itself, other languages empty, to be filled in.
var update = flag.Bool("update", false, "add missing keys to translations/*.json")

// TestMain runs the tests in English, whatever the machine's locale, so
// that they can compare the sentences they expect.
func TestMain(m *testing.M) {
	UseLanguage(LanguageEnglish)
	os.Exit(m.Run())
}

// useChinese switches to Simplified Chinese for the rest of a test, and
// back to English after it. Tests that call it must not be parallel.
func useChinese(t *testing.T) {
	t.Helper()
	UseLanguage(LanguageChinese)
	t.Cleanup(func() { UseLanguage(LanguageEnglish) })
}

// untranslatedFiles are gui files whose words are not yet passed through
// lang; the checks below skip them until they are.
var untranslatedFiles = []string{
	// none
}

// sourceFiles parses the non-test Go files of package gui.
func sourceFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	return fset, files
}

// stringConsts are the package's string constants by name, those
// declared in functions too.
func stringConsts(files map[string]*ast.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		var decls []*ast.GenDecl
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.CONST {
				decls = append(decls, g)
			}
			return true
		})
		for _, g := range decls {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						} else if s, ok := constString(vs.Values[i], out); ok {
							out[name.Name] = s
						}
					}
				}
			}
		}
	}
	return out
}

// translateCall tells whether call passes its first argument through
// lang, and whether as a plural.
func translateCall(call *ast.CallExpr) (translates, plural bool) {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "lang" {
			switch fn.Sel.Name {
			case "L", "X", "Localize", "LocalizeKey":
				return true, false
			case "N", "XN", "LocalizePlural", "LocalizePluralKey":
				return true, true
			}
		}
	case *ast.Ident:
		if fn.Name == "translateLater" {
			return true, false
		}
	}
	return false, false
}

// translationKey is a key the code asks for, and where.
type translationKey struct {
	plural bool
	where  string
}

// usedKeys are the keys of every lang call with a constant key.
func usedKeys(t *testing.T) map[string]translationKey {
	fset, files := sourceFiles(t)
	consts := stringConsts(files)
	keys := map[string]translationKey{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			translates, plural := translateCall(call)
			if !translates {
				return true
			}
			if key, ok := constString(call.Args[0], consts); ok {
				keys[key] = translationKey{plural: plural, where: fset.Position(call.Pos()).String()}
			}
			return true
		})
	}
	return keys
}

// constString is the value of a constant string expression: a literal,
// a constant, or a sum of them.
func constString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.ParenExpr:
		return constString(e.X, consts)
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			x, ok1 := constString(e.X, consts)
			y, ok2 := constString(e.Y, consts)
			return x + y, ok1 && ok2
		}
	}
	return "", false
}

func readTranslations(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := translations.ReadFile("translations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

var formatVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

var templateField = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// fields are the template fields a text uses, sorted.
func fields(s string) []string {
	var out []string
	for _, m := range templateField.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTranslationsCoverEveryKey: every text the code translates is in
// both languages, English is the key itself, each translation uses the
// same template fields as its key, and no translation is left over.
func TestTranslationsCoverEveryKey(t *testing.T) {
	keys := usedKeys(t)
	if len(keys) < 10 {
		t.Fatalf("found only %d keys; is the scan broken?", len(keys))
	}
	for _, file := range []string{"en.json", "zh-Hans.json"} {
		m := readTranslations(t, file)
		if *update {
			writeMissing(t, file, m, keys)
		}
		for key, use := range keys {
			v, ok := m[key]
			if !ok {
				t.Errorf("%s: %q (%s) is missing", file, key, use.where)
				continue
			}
			var forms map[string]string
			switch v := v.(type) {
			case string:
				if use.plural {
					t.Errorf("%s: %q is a plural (%s) but has one form", file, key, use.where)
				}
				forms = map[string]string{"other": v}
			case map[string]any:
				if !use.plural {
					t.Errorf("%s: %q has plural forms but is not a plural (%s)", file, key, use.where)
				}
				forms = map[string]string{}
				for form, text := range v {
					forms[form], _ = text.(string)
				}
			default:
				t.Errorf("%s: %q is neither a text nor plural forms", file, key)
				continue
			}
			if file == "en.json" && forms["other"] != key {
				t.Errorf("en.json: %q reads %q; English is the key itself", key, forms["other"])
			}
			if file == "en.json" && use.plural && forms["one"] == "" {
				t.Errorf("en.json: plural %q has no \"one\" form", key)
			}
			for form, text := range forms {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %q (%s) is empty", file, key, form)
				}
				// The singular may say "the video" instead of "1 video".
				got, want := fields(text), fields(key)
				subset := !slices.ContainsFunc(got, func(f string) bool { return !slices.Contains(want, f) })
				if !slices.Equal(got, want) && !(form == "one" && subset) {
					t.Errorf("%s: %q (%s) uses fields %v, its key %v", file, key, form, got, want)
				}
			}
		}
		for key := range m {
			if _, ok := keys[key]; !ok {
				t.Errorf("%s: %q is not used by the code", file, key)
			}
		}
	}
}

// TestChineseHasNoEmptyOrEnglishTranslation: each Chinese text has a
// Chinese character, unless it is only names, template fields or
// punctuation.
func TestChineseHasNoEmptyOrEnglishTranslation(t *testing.T) {
	for key, v := range readTranslations(t, "zh-Hans.json") {
		texts := []string{}
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case map[string]any:
			for _, x := range v {
				s, _ := x.(string)
				texts = append(texts, s)
			}
		}
		for _, s := range texts {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%q has an empty translation", key)
				continue
			}
			words := templateField.ReplaceAllString(s, "")
			if !strings.ContainsFunc(words, func(r rune) bool { return unicode.Is(unicode.Han, r) }) &&
				strings.ContainsFunc(words, unicode.IsLetter) && !allowedWords[key] {
				t.Errorf("%q is not translated: %q", key, s)
			}
		}
	}
}

// allowedWords are texts shown as they are in every language: names, and
// the languages' own names.
var allowedWords = map[string]bool{
	"Reelhouse": true, "English": true, "简体中文": true, "sk-…": true, `{"seed": 42}`: true, "%.3g fps": true,
	"Ctrl": true, "Cmd": true, "Alt": true, "Shift": true, "Enter": true, "Esc": true, // keys, as written on keyboards
	"Wan 2.1 Turbo": true, "Seedance 2": true, "Seedance 2 Mini": true, "Seedance 2.0 Fast": true,
}

// sentenceLike reports whether s reads as words a person sees: letters,
// and a space or a capital first letter.
func sentenceLike(s string) bool {
	if allowedWords[s] {
		return false
	}
	s = formatVerb.ReplaceAllString(s, "")
	if !strings.ContainsFunc(s, unicode.IsLetter) {
		return false
	}
	if !strings.ContainsFunc(s, unicode.IsLower) {
		return false // a name such as LC_ALL, or units such as "%.1f MB"
	}
	r := []rune(strings.TrimSpace(s))
	return strings.Contains(s, " ") || (len(r) > 0 && unicode.IsUpper(r[0])) || strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) })
}

// notShown are calls whose text arguments a person does not read as the
// app's words: logs, Go errors' facts, formats of numbers.
func notShown(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		name := fn.Sel.Name
		if pkg, ok := fn.X.(*ast.Ident); ok {
			switch pkg.Name + "." + name {
			case "fyne.LogError", "slog.Warn", "slog.Info", "slog.Error", "slog.Debug", "exec.Command",
				"strings.EqualFold", "strings.Contains", "strings.HasPrefix", "strings.HasSuffix", "strings.TrimPrefix",
				"strings.TrimSuffix", "strings.Cut", "strings.ReplaceAll", "strings.Split", "fyne.NewStaticResource",
				"storage.NewExtensionFileFilter", "filepath.Join", "os.Getenv", "regexp.MustCompile", "crash.Guard":
				return true
			}
		}
		switch name {
		case "Warn", "Info", "Error", "Debug", "With", "Log", "Logf":
			return true
		}
	}
	return false
}

// goErrorFact reports whether call makes a Go error from a lower-case
// fact (errors.New("there is nothing to copy")), which errText words.
func goErrorFact(call *ast.CallExpr) bool {
	fn, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	pkg, ok := fn.X.(*ast.Ident)
	if !ok || !(pkg.Name == "errors" && fn.Sel.Name == "New" || pkg.Name == "fmt" && fn.Sel.Name == "Errorf") {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok {
		return false
	}
	s, _ := strconv.Unquote(lit.Value)
	r := []rune(s)
	return len(r) > 0 && !unicode.IsUpper(r[0])
}

// TestNoTextBypassesTranslation: no words a person reads are written in
// the code without lang: string literals that read as words, and string
// constants holding such words, appear only as keys of lang calls. Logs,
// Go errors' lower-case facts and the names in allowedWords are exempt.
func TestNoTextBypassesTranslation(t *testing.T) {
	fset, files := sourceFiles(t)
	consts := stringConsts(files)
	// A text marked with translateLater is shown through lang.L where it
	// is shown, and may serve as a key elsewhere (fields["Task id"]).
	later := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 1 {
				if fn, ok := call.Fun.(*ast.Ident); ok && fn.Name == "translateLater" {
					if s, ok := constString(call.Args[0], consts); ok {
						later[s] = true
					}
				}
			}
			return true
		})
	}
	var problems []string
	report := func(n ast.Node, what string) {
		problems = append(problems, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	for name, f := range files {
		if slices.Contains(untranslatedFiles, name) {
			continue
		}
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec, *ast.Field:
				return false // import paths and struct tags
			case *ast.FuncDecl:
				if n.Name.Name == "Error" && n.Recv != nil {
					return false // a Go error's own text, worded by errText
				}
			case *ast.GenDecl:
				if n.Tok == token.CONST {
					return false // checked where they are used
				}
			case *ast.CallExpr:
				if translates, _ := translateCall(n); translates {
					for _, a := range n.Args[1:] {
						ast.Inspect(a, visit)
					}
					return false
				}
				if notShown(n) || goErrorFact(n) {
					return false
				}
			case *ast.KeyValueExpr:
				if lit, ok := n.Key.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); token.IsIdentifier(s) {
						ast.Inspect(n.Value, visit) // a template's field name
						return false
					}
				}
			case *ast.IndexExpr:
				if lit, ok := n.Index.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); token.IsIdentifier(s) {
						ast.Inspect(n.X, visit) // a map's key, such as fields["Status"]
						return false
					}
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, _ := strconv.Unquote(n.Value); sentenceLike(s) && !later[s] {
						report(n, fmt.Sprintf("%q is not translated", s))
					}
				}
			case *ast.Ident:
				if s, ok := consts[n.Name]; ok && sentenceLike(s) {
					report(n, fmt.Sprintf("%s (%q) is used without lang", n.Name, s))
				}
			}
			return true
		}
		ast.Inspect(f, visit)
	}
	slices.Sort(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// writeMissing adds the keys missing from file (see -update).
func writeMissing(t *testing.T, file string, m map[string]any, keys map[string]translationKey) {
	for key, use := range keys {
		if _, ok := m[key]; ok {
			continue
		}
		text := ""
		if file == "en.json" {
			text = key
		}
		if use.plural {
			m[key] = map[string]string{"one": text, "other": text}
		} else {
			m[key] = text
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("translations", file), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
