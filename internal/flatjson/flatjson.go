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

// text is what the scanner reads: a string, or bytes read in place (so
// that scanning a []byte copies nothing).
type text interface{ ~string | ~[]byte }

// span is one member found by the scanner: s[k0:k1] is its key (without
// quotes), s[v0:v1] its value's text.
type span struct{ k0, k1, v0, v1 int }

// Object scans s as a flat object of canonical scalars into ms and
// returns how many members it has; ok is false when s is anything else.
func Object(s string, ms *[MaxMembers]Member) (n int, ok bool) {
	var sp [MaxMembers]span
	n, ok = object(s, &sp)
	for i := range n {
		ms[i] = Member{s[sp[i].k0:sp[i].k1], s[sp[i].v0:sp[i].v1]}
	}
	return n, ok
}

// object is Object's scanner, in terms of spans.
func object[T text](s T, ms *[MaxMembers]span) (n int, ok bool) {
	n, end, ok := objectAt(s, 0, ms)
	return n, ok && end == len(s)
}

// objectAt scans the flat object of canonical scalars starting at s[i]
// into ms: how many members it has and the index after it.
func objectAt[T text](s T, i int, ms *[MaxMembers]span) (n, end int, ok bool) {
	if i+1 >= len(s) || s[i] != '{' {
		return 0, 0, false
	}
	i++
	if s[i] == '}' {
		return 0, i + 1, true
	}
	for {
		if n == MaxMembers {
			return 0, 0, false
		}
		j, ok := plainString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return 0, 0, false
		}
		j2, ok := canonicalScalar(s, j+1)
		if !ok || j2 >= len(s) {
			return 0, 0, false
		}
		m := span{i + 1, j - 1, j + 1, j2}
		for _, o := range ms[:n] {
			if equal(s, o.k0, o.k1, m.k0, m.k1) {
				return 0, 0, false // a duplicate: the slow path keeps the last
			}
		}
		ms[n] = m
		n++
		switch s[j2] {
		case ',':
			i = j2 + 1
		case '}':
			return n, j2 + 1, true
		default:
			return 0, 0, false
		}
	}
}

// End returns the index after the value starting at raw[i] when it is
// what Canonical accepts (a canonical scalar or a flat object of them),
// so that a caller can read such a value inside a larger text.
func End(raw []byte, i int) (int, bool) {
	if i < len(raw) && raw[i] == '{' {
		var ms [MaxMembers]span
		_, end, ok := objectAt(raw, i, &ms)
		return end, ok
	}
	return canonicalScalar(raw, i)
}

// equal reports whether s[a0:a1] and s[b0:b1] are the same text.
func equal[T text](s T, a0, a1, b0, b1 int) bool {
	if a1-a0 != b1-b0 {
		return false
	}
	for i := range a1 - a0 {
		if s[a0+i] != s[b0+i] {
			return false
		}
	}
	return true
}

// is reports whether s[a0:a1] is the text name.
func is[T text](s T, a0, a1 int, name string) bool {
	if a1-a0 != len(name) {
		return false
	}
	for i := range len(name) {
		if s[a0+i] != name[i] {
			return false
		}
	}
	return true
}

// plainString returns the index after the string starting at s[i], if it
// holds only printable ASCII that json.Marshal writes as is.
func plainString[T text](s T, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\' || c == '<' || c == '>' || c == '&':
			return 0, false
		}
	}
	return 0, false
}

// canonicalScalar returns the index after the scalar starting at s[i], if
// it is a literal, a valid number or a plain string: values whose
// canonical text is their text.
func canonicalScalar[T text](s T, i int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return plainString(s, i)
	case c == 'n' || c == 't' || c == 'f':
		for _, lit := range [...]string{"null", "true", "false"} {
			if len(s)-i >= len(lit) && is(s, i, i+len(lit), lit) {
				return i + len(lit), true
			}
		}
		return 0, false
	case c == '-' || (c >= '0' && c <= '9'):
		j := number(s, i)
		if j < 0 {
			return 0, false
		}
		return j, true
	}
	return 0, false
}

// number returns the index after the JSON number starting at s[i], or -1.
func number[T text](s T, i int) int {
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

// members finds the values of exactly the keys names in s, as spans
// (index i for names[i]).
func members[T text](s T, names []string) (vals [MaxMembers]span, ok bool) {
	var ms [MaxMembers]span
	n, ok := object(s, &ms)
	if !ok || n != len(names) {
		return vals, false
	}
	for i, name := range names {
		found := false
		for _, m := range ms[:n] {
			if is(s, m.k0, m.k1, name) {
				vals[i], found = m, true
				break
			}
		}
		if !found {
			return vals, false
		}
	}
	return vals, true
}

// Members returns the values of exactly the keys names (in that
// order) of raw when raw is a flat object of canonical scalars with
// exactly those keys; ok is false otherwise (the caller then takes the
// slow path).
func Members(raw []byte, names ...string) (vals [MaxMembers]string, ok bool) {
	sp, ok := members(raw, names)
	if !ok {
		return vals, false
	}
	s := string(raw)
	for i := range names {
		vals[i] = s[sp[i].v0:sp[i].v1]
	}
	return vals, true
}

// MemberBytes is Members without copying: the values are slices of raw
// (raw must not change while they are in use).
func MemberBytes(raw []byte, names ...string) (vals [MaxMembers][]byte, ok bool) {
	if len(names) == 1 {
		// A flat object with exactly one member, names[0], is exactly
		// {"<name>":<scalar>}: no white space, nothing else.
		name := names[0]
		n := len(name)
		if len(raw) < n+6 || raw[0] != '{' || raw[1] != '"' || raw[n+2] != '"' || raw[n+3] != ':' || raw[len(raw)-1] != '}' || !is(raw, 2, n+2, name) {
			return vals, false
		}
		if j, ok := plainString(raw, 1); !ok || j != n+3 {
			return vals, false // the name is not a plain string (escapes)
		}
		j, ok := canonicalScalar(raw[:len(raw)-1], n+4)
		if !ok || j != len(raw)-1 {
			return vals, false
		}
		vals[0] = raw[n+4 : j : j]
		return vals, true
	}
	sp, ok := members(raw, names)
	if !ok {
		return vals, false
	}
	for i := range names {
		vals[i] = raw[sp[i].v0:sp[i].v1:sp[i].v1]
	}
	return vals, true
}

// Canonical reports whether raw is a canonical scalar or a flat object of
// canonical scalars: then it is valid JSON and its own canonical text.
func Canonical(raw []byte) bool {
	if len(raw) > 0 && raw[0] == '{' {
		var ms [MaxMembers]span
		_, ok := object(raw, &ms)
		return ok
	}
	j, ok := canonicalScalar(raw, 0)
	return ok && j == len(raw)
}
