//go:build ignore

// Command reliability turns `go test -json` output of the Reliability tests
// into a summary: it passes the tests' output through, then prints one line
// per scenario ("name: ok", or what failed: the first message the test
// logged) and, last, "N passed, N failed".
// It exits non-zero if anything failed or no scenario ran. .ci/reliability
// runs it:
//
//	go test -json -run Reliability ./... | go run .ci/reliability.go
//
// A scenario is a test whose name starts with TestReliability and that has
// no subtests of its own: subtests of TestReliability are named as they
// are ("retry-after-honoured"), others after their test
// (TestReliabilityCanaryKey → "canary-key", its subtests below it).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type result struct {
	pkg, test string
	action    string // pass, fail, skip; "" while running
	output    []string
	order     int
}

var fileLine = regexp.MustCompile(`^\s+[\w./-]+\.go:\d+: (.*)$`)

func main() {
	results := map[string]*result{} // by package + test
	var order int
	failedPkgs := map[string]bool{}
	buildOutput := map[string][]string{}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		line := in.Text()
		var ev event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &ev) != nil {
			fmt.Println(line) // not JSON: a build error or a stray line
			continue
		}
		if ev.Output != "" {
			fmt.Print(ev.Output)
		}
		if ev.Action == "build-output" {
			buildOutput[ev.Package] = append(buildOutput[ev.Package], strings.TrimRight(ev.Output, "\n"))
		}
		if ev.Test == "" {
			if ev.Action == "fail" {
				failedPkgs[ev.Package] = true
			}
			continue
		}
		if !strings.HasPrefix(ev.Test, "TestReliability") {
			continue
		}
		key := ev.Package + " " + ev.Test
		r := results[key]
		if r == nil {
			order++
			r = &result{pkg: ev.Package, test: ev.Test, order: order}
			results[key] = r
		}
		switch ev.Action {
		case "output":
			r.output = append(r.output, strings.TrimRight(ev.Output, "\n"))
		case "pass", "fail", "skip":
			r.action = ev.Action
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: reading go test output:", err)
		os.Exit(2)
	}

	var leaves []*result
	for key, r := range results {
		leaf := true
		for other := range results {
			if strings.HasPrefix(other, key+"/") {
				leaf = false
				break
			}
		}
		if leaf {
			leaves = append(leaves, r)
		}
	}
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].order < leaves[j].order })

	var lines []string
	passed, failed := 0, 0
	pkgsWithFailures := map[string]bool{}
	for _, r := range leaves {
		name := scenarioName(r.test)
		switch r.action {
		case "pass":
			passed++
			lines = append(lines, name+": ok")
		case "skip":
			lines = append(lines, name+": skipped ("+firstMessage(r.output, "no reason given")+")")
		case "fail":
			failed++
			pkgsWithFailures[r.pkg] = true
			lines = append(lines, name+": FAILED: "+firstMessage(r.output, "see the output above"))
		default:
			failed++
			pkgsWithFailures[r.pkg] = true
			lines = append(lines, name+": FAILED: did not finish (a panic or the time limit)")
		}
	}
	// A package can fail without a scenario failing: it did not build, or
	// something outside the scenarios went wrong.
	var pkgs []string
	for p := range failedPkgs {
		if !pkgsWithFailures[p] {
			pkgs = append(pkgs, p)
		}
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		failed++
		why := "the package's tests failed outside the scenarios"
		if out := buildOutput[p]; len(out) > 0 {
			why = "it did not build: " + strings.TrimSpace(out[len(out)-1])
		}
		lines = append(lines, p+": FAILED: "+why)
	}

	fmt.Println()
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}

// scenarioName turns a test name into the scenario's name.
func scenarioName(test string) string {
	if rest, ok := strings.CutPrefix(test, "TestReliability/"); ok {
		return rest
	}
	top, sub, _ := strings.Cut(strings.TrimPrefix(test, "TestReliability"), "/")
	name := kebab(top)
	if sub != "" {
		name += "/" + sub
	}
	return name
}

// kebab turns "CanaryKey" into "canary-key".
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "reliability"
	}
	return b.String()
}

// firstMessage returns the first message a test logged (for a failed
// test, usually its first t.Error or its t.Fatal; for a skipped one, the
// t.Skip text), shortened to one line, or def.
func firstMessage(output []string, def string) string {
	msg := ""
	for _, l := range output {
		if m := fileLine.FindStringSubmatch(l); m != nil {
			msg = strings.TrimSpace(m[1])
			break
		}
	}
	if msg == "" {
		for _, l := range output {
			if strings.Contains(l, "panic:") {
				msg = strings.TrimSpace(l)
				break
			}
		}
	}
	if msg == "" {
		return def
	}
	if r := []rune(msg); len(r) > 240 {
		msg = string(r[:240]) + "…"
	}
	return msg
}
