// Package flatjson recognises, without decoding, the JSON values that
// faultline's histories carry most: flat objects of canonical scalars.
//
// Histories recorded by faultline's workloads carry values that are
// already canonical JSON (the generator writes them with json.Marshal, and
// the reference systems answer the same way): flat objects whose members
// are numbers, literals or plain strings, with no white space. The scanner
// here recognises exactly such objects and returns their members' text,
// which then is the members' canonical text, without decoding anything;
// whatever it does not recognise (white space, nesting, escapes, a
// duplicate key, anything invalid) goes the slow way, through
// encoding/json, which also words the errors. So the fast path decides
// nothing the slow path would decide differently; it only skips work.
package flatjson

// Member is one member of a flat object: its key and its value's text.
type Member struct{ Key, Value string }

// MaxMembers bounds the objects the fast path takes (the models' inputs
// and outputs have at most a few members).
const MaxMembers = 4

// Object scans s as a flat object of canonical scalars into ms and
// returns how many members it has; ok is false when s is anything else.
func Object(s string, ms *[MaxMembers]Member) (n int, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return 0, false
	}
	i := 1
	if s[i] == '}' {
		return 0, i == len(s)-1
	}
	for {
		if n == MaxMembers {
			return 0, false
		}
		k, j, ok := plainString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return 0, false
		}
		v, j2, ok := canonicalScalar(s, j+1)
		if !ok || j2 >= len(s) {
			return 0, false
		}
		key := k[1 : len(k)-1]
		for _, m := range ms[:n] {
			if m.Key == key {
				return 0, false // a duplicate: the slow path keeps the last
			}
		}
		ms[n] = Member{key, v}
		n++
		switch s[j2] {
		case ',':
			i = j2 + 1
		case '}':
			return n, j2 == len(s)-1
		default:
			return 0, false
		}
	}
}

// plainString returns the string starting at s[i] (quotes included) and
// the index after it, if it holds only printable ASCII that json.Marshal
// writes as is.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i : j+1], j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\' || c == '<' || c == '>' || c == '&':
			return "", 0, false
		}
	}
	return "", 0, false
}

// canonicalScalar returns the scalar starting at s[i] and the index after
// it, if it is a literal, a valid number or a plain string: values whose
// canonical text is their text.
func canonicalScalar(s string, i int) (string, int, bool) {
	if i >= len(s) {
		return "", 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return plainString(s, i)
	case c == 'n' || c == 't' || c == 'f':
		for _, lit := range [...]string{"null", "true", "false"} {
			if len(s)-i >= len(lit) && s[i:i+len(lit)] == lit {
				return lit, i + len(lit), true
			}
		}
		return "", 0, false
	case c == '-' || (c >= '0' && c <= '9'):
		j := number(s, i)
		if j < 0 {
			return "", 0, false
		}
		return s[i:j], j, true
	}
	return "", 0, false
}

// number returns the index after the JSON number starting at s[i], or -1.
func number(s string, i int) int {
	digits := func(j int) int {
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		return k
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// Members returns the values of exactly the keys names (in that
// order) of raw when raw is a flat object of canonical scalars with
// exactly those keys; ok is false otherwise (the caller then takes the
// slow path).
func Members(raw []byte, names ...string) (vals [MaxMembers]string, ok bool) {
	var ms [MaxMembers]Member
	n, ok := Object(string(raw), &ms)
	if !ok || n != len(names) {
		return vals, false
	}
	for i, name := range names {
		found := false
		for _, m := range ms[:n] {
			if m.Key == name {
				vals[i], found = m.Value, true
				break
			}
		}
		if !found {
			return vals, false
		}
	}
	return vals, true
}

// Canonical reports whether raw is a canonical scalar or a flat object of
// canonical scalars: then it is valid JSON and its own canonical text.
func Canonical(raw []byte) bool {
	s := string(raw)
	if len(s) > 0 && s[0] == '{' {
		var ms [MaxMembers]Member
		_, ok := Object(s, &ms)
		return ok
	}
	_, j, ok := canonicalScalar(s, 0)
	return ok && j == len(s)
}
