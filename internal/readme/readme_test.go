package readme

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

// A tested block of README.md: a fenced block preceded by the comment
// "<!-- tested -->" (an sh block to run) or "<!-- tested: FILE -->" (a
// file the following blocks use, written as FILE).
type block struct {
	line int    // the opening fence's line
	file string // "" for an sh block
	body string
}

var testedMark = regexp.MustCompile(`^<!-- tested(?::\s*(\S+))? -->$`)

// testedBlocks returns README's tested blocks in order.
func testedBlocks(t *testing.T, readme string) []block {
	var out []block
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		m := testedMark.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		j := i + 1
		fence := strings.TrimSpace(lines[j])
		n := len(fence) - len(strings.TrimLeft(fence, "`"))
		if n < 3 {
			t.Fatalf("README.md:%d: a tested mark must be followed by a fenced block", i+1)
		}
		b := block{line: j + 1, file: m[1]}
		if b.file == "" && strings.TrimSpace(fence[n:]) != "sh" {
			t.Fatalf("README.md:%d: a tested block without a file must be sh", j+1)
		}
		var body []string
		for j++; j < len(lines) && strings.TrimSpace(lines[j]) != fence[:n]; j++ {
			body = append(body, lines[j])
		}
		b.body = strings.Join(body, "\n") + "\n"
		out = append(out, b)
		i = j
	}
	return out
}

// repoRoot is two directories up from this package.
func repoRoot(t *testing.T) string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// exitMark is how README states a command's exit code other than 0: a
// shell comment ending its line, "# exit 1".
var exitMark = regexp.MustCompile(`\s+# exit (\d+)$`)

// wantExit is the exit code a README command line states ("# exit N"),
// 0 when it states none, and the command without the comment.
func wantExit(line string) (int, string) {
	m := exitMark.FindStringSubmatchIndex(line)
	if m == nil {
		return 0, line
	}
	var code int
	fmt.Sscan(line[m[2]:m[3]], &code)
	return code, line[:m[0]]
}

// TestQuickStart runs README's tested blocks in order, exactly as
// written, with bash in a directory that looks like a fresh clone (the
// repository's top-level entries, linked), with a GOPATH of its own so
// that `go install` and `$(go env GOPATH)/bin` are the test's. Every
// command must exit with the code its line states ("# exit 1": a finding
// against the system under test, which a bug hunt expects), 0 when it
// states none; and every `faultline replay` or `faultline run --plan`
// line must start with a command an earlier line printed, so that the
// README pastes what faultline says rather than guessing.
func TestQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds faultline and runs a short session; skipped with -short")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := testedBlocks(t, string(readme))
	if len(blocks) < 3 {
		t.Fatalf("README.md has %d tested blocks; the quick start, the session and the plan should be", len(blocks))
	}
	clone := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" || e.Name() == "faultline" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(clone, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	modcache, err := exec.Command(gobin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"GOPATH="+filepath.Join(t.TempDir(), "gopath"),
		"GOMODCACHE="+strings.TrimSpace(string(modcache)),
		"PATH="+filepath.Dir(gobin)+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	env = withoutVar(env, "GOBIN")

	var script strings.Builder
	var cmds []string // the command lines, by index
	for _, b := range blocks {
		if b.file != "" {
			if err := os.WriteFile(filepath.Join(clone, b.file), []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(b.body))
		for n := 0; sc.Scan(); n++ {
			l := strings.TrimSpace(sc.Text())
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			i := len(cmds)
			cmds = append(cmds, fmt.Sprintf("README.md:%d: %s", b.line+1+n, l))
			fmt.Fprintf(&script, "echo '@@cmd %d'\n%s\nrc=$?; echo \"@@rc %d $rc\"\n", i, l, i)
		}
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script.String())
	cmd.Dir, cmd.Env = clone, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quick start: %v\n%s", err, out)
	}
	outputs := splitOutputs(t, out, cmds)
	printed := regexp.MustCompile(`faultline (replay|run) [^\n"` + "`" + `]*`)
	for i, c := range cmds {
		o := outputs[i]
		want, line := wantExit(c[strings.Index(c, ": ")+2:])
		if o.rc != want {
			t.Errorf("%s: exit %d, README says %d\n%s", c, o.rc, want, o.text)
		}
		if !strings.HasPrefix(line, "faultline replay") && !strings.HasPrefix(line, "faultline run --plan") {
			continue
		}
		found := false
		for _, prev := range outputs[:i] {
			for _, p := range printed.FindAllString(prev.text, -1) {
				found = found || strings.HasPrefix(line, strings.TrimSpace(p))
			}
		}
		if !found && !strings.Contains(line, "--plan plan.md") {
			t.Errorf("%s: no earlier command printed it", c)
		}
	}
	if t.Failed() {
		t.Logf("whole output:\n%s", out)
	}
}

type output struct {
	rc   int
	text string
}

// splitOutputs cuts the script's output at its markers.
func splitOutputs(t *testing.T, out []byte, cmds []string) []output {
	res := make([]output, len(cmds))
	cur := -1
	var text bytes.Buffer
	for _, l := range strings.SplitAfter(string(out), "\n") {
		var i, rc int
		switch {
		case sscan(l, "@@cmd %d\n", &i):
			cur = i
			text.Reset()
		case sscan(l, "@@rc %d %d\n", &i, &rc):
			if i != cur {
				t.Fatalf("output markers out of order at %q", l)
			}
			res[i] = output{rc, text.String()}
		default:
			text.WriteString(l)
		}
	}
	if cur != len(cmds)-1 {
		t.Fatalf("the script stopped after command %d of %d:\n%s", cur+1, len(cmds), out)
	}
	return res
}

func sscan(s, format string, args ...any) bool {
	n, err := fmt.Sscanf(s, format, args...)
	return err == nil && n == len(args)
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// TestNoPathOutsideRepository: a clone is the whole product, so no file
// may point into a directory beside the repository (a team's shared notes).
func TestNoPathOutsideRepository(t *testing.T) {
	root := repoRoot(t)
	bad := regexp.MustCompile(`\.\./shared\b|/work/shared`)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" || name == "artifacts" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".sh", ".yml", ".yaml", ".txt", "":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(data), "\n") {
			if bad.MatchString(l) && !strings.HasSuffix(path, "readme_test.go") {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d refers outside the repository: %s", rel, i+1, strings.TrimSpace(l))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWantExit(t *testing.T) {
	for _, tt := range []struct {
		line, cmd string
		code      int
	}{
		{"faultline run --seed 1", "faultline run --seed 1", 0},
		{"faultline sweep --seeds 30  # exit 1", "faultline sweep --seeds 30", 1},
		{"faultline plan check bad.md # exit 2", "faultline plan check bad.md", 2},
		{"echo '# exit 1'", "echo '# exit 1'", 0},
	} {
		if code, cmd := wantExit(tt.line); code != tt.code || cmd != tt.cmd {
			t.Errorf("%q: got %d %q, want %d %q", tt.line, code, cmd, tt.code, tt.cmd)
		}
	}
}

// TestMarkdownLinksStayInside: every link of the repository's Markdown
// names a file or directory of the repository (a clone has no other), and
// none leads to the web.
func TestMarkdownLinksStayInside(t *testing.T) {
	root := repoRoot(t)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "artifacts" {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".md" || strings.Contains(path, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for i, l := range strings.Split(string(data), "\n") {
			for _, m := range link.FindAllStringSubmatch(l, -1) {
				target, _, _ := strings.Cut(m[1], "#")
				n++
				switch {
				case strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "mailto:"):
					t.Errorf("%s:%d links outside the repository: %s", rel, i+1, m[1])
				case target == "":
				default:
					abs := filepath.Join(filepath.Dir(path), target)
					if r, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(r, "..") {
						t.Errorf("%s:%d links outside the repository: %s", rel, i+1, m[1])
					} else if _, err := os.Stat(abs); err != nil {
						t.Errorf("%s:%d links to %s, which the repository lacks", rel, i+1, m[1])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("found no link at all: the walk is broken")
	}
}

// TestMethodListsEveryOperation keeps docs/METHOD.md's table of what a
// node receives and answers, per model, equal to the vocabulary the
// workloads send and the checkers read (history.OpTypes): a stranger
// writes a node from that table alone.
func TestMethodListsEveryOperation(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "METHOD.md"))
	if err != nil {
		t.Fatal(err)
	}
	const heading = "### What a node receives and answers, per model"
	_, after, ok := strings.Cut(string(b), heading)
	if !ok {
		t.Fatalf("docs/METHOD.md has no section %q", heading)
	}
	documented := map[string]bool{}
	inTable := false
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if !strings.HasPrefix(line, "| ") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "model" {
			continue
		}
		op := strings.Trim(strings.TrimSpace(cells[2]), "`")
		for _, m := range strings.Split(cells[1], ",") {
			documented[strings.TrimSpace(m)+" "+op] = true
		}
	}
	want := map[string]bool{}
	for _, m := range history.Models() {
		for _, op := range history.OpTypes(m) {
			want[string(m)+" "+op] = true
			if !documented[string(m)+" "+op] {
				t.Errorf("docs/METHOD.md does not say what %s %s takes and answers", m, op)
			}
		}
	}
	for d := range documented {
		if !want[d] {
			t.Errorf("docs/METHOD.md lists %q, which is not in the vocabulary (history.OpTypes)", d)
		}
	}
}
