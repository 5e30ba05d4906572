package scenario

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// PlanError is an error in a test plan, at a line of its Markdown file.
type PlanError struct {
	File string
	Line int
	Msg  string
}

func (e *PlanError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// rawField is one "key: value" line of a plan block.
type rawField struct {
	key, value string
	line       int
	sub        []rawField // for a section ("nemesis:" followed by indented lines)
}

// rawBlock is one fenced ```faultline block: its fields in order.
type rawBlock struct {
	line   int // the line of the opening fence
	fields []rawField
}

// parseBlocks finds every ```faultline block of a Markdown plan and
// splits it into fields. The syntax is a strict subset of YAML: "key:
// value" lines, and sections ("key:" alone) whose fields are indented
// under them; "#" starts a comment line. Anything else is an error.
func parseBlocks(r io.Reader, file string) ([]rawBlock, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var blocks []rawBlock
	var cur *rawBlock
	var section *rawField
	fence, indent := "", 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if cur == nil {
			if f, info, ok := openFence(trimmed); ok {
				if info == "faultline" {
					blocks = append(blocks, rawBlock{line: line})
					cur = &blocks[len(blocks)-1]
					section = nil
					// A block inside a list item is indented as a whole:
					// its fields' indentation counts from the fence's.
					indent = len(text) - len(strings.TrimLeft(text, " "))
				}
				fence = f
				if info != "faultline" {
					// Skip other fenced blocks whole.
					for line++; sc.Scan(); line++ {
						if strings.TrimSpace(sc.Text()) == fence {
							break
						}
					}
				}
			}
			continue
		}
		if trimmed == fence {
			cur, section = nil, nil
			continue
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.Contains(text, "\t") {
			return nil, &PlanError{file, line, "tab in a faultline block; indent with spaces"}
		}
		if len(text)-len(strings.TrimLeft(text, " ")) < indent {
			return nil, &PlanError{file, line, fmt.Sprintf("line %q is indented less than its block's opening fence (%d spaces)", trimmed, indent)}
		}
		text = text[indent:]
		indented := text[0] == ' '
		key, value, ok := strings.Cut(trimmed, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" || strings.ContainsAny(key, " \"'") {
			return nil, &PlanError{file, line, fmt.Sprintf("expected \"field: value\", got %q", trimmed)}
		}
		f := rawField{key: key, value: value, line: line}
		switch {
		case indented && section == nil:
			return nil, &PlanError{file, line, fmt.Sprintf("indented field %q outside a section", key)}
		case indented:
			section.sub = append(section.sub, f)
		default:
			cur.fields = append(cur.fields, f)
			section = nil
			if value == "" {
				section = &cur.fields[len(cur.fields)-1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if cur != nil {
		return nil, &PlanError{file, cur.line, "faultline block is never closed"}
	}
	return blocks, nil
}

// openFence recognises a Markdown code fence and its info string.
func openFence(s string) (fence, info string, ok bool) {
	for _, c := range []string{"```", "~~~"} {
		if strings.HasPrefix(s, c) {
			n := len(s) - len(strings.TrimLeft(s, c[:1]))
			return s[:n], strings.TrimSpace(s[n:]), true
		}
	}
	return "", "", false
}
