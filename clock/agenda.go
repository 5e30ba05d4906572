package clock

// Agenda is the simulator's queue of pending events, a 4-ary min-heap
// ordered by (instant, insertion sequence). Events are stored by value, so
// once the backing slice has grown to the run's peak size, pushing and
// popping allocate nothing.
//
// The zero Agenda is empty and ready to use.
type Agenda[T any] struct {
	h   []entry[T]
	seq uint64
}

type entry[T any] struct {
	at  Time
	seq uint64
	v   T
}

func (e *entry[T]) less(o *entry[T]) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// Push schedules v at instant at and returns its sequence number, which is
// unique within the agenda and breaks ties between events at one instant.
func (a *Agenda[T]) Push(at Time, v T) uint64 {
	a.seq++
	a.h = append(a.h, entry[T]{at: at, seq: a.seq, v: v})
	a.up(len(a.h) - 1)
	return a.seq
}

// Len returns the number of pending events.
func (a *Agenda[T]) Len() int { return len(a.h) }

// Peek returns the instant of the next event, or (Never, false) if none.
func (a *Agenda[T]) Peek() (Time, bool) {
	if len(a.h) == 0 {
		return Never, false
	}
	return a.h[0].at, true
}

// Pop removes and returns the earliest event with its instant and sequence
// number. ok is false when the agenda is empty.
func (a *Agenda[T]) Pop() (at Time, seq uint64, v T, ok bool) {
	n := len(a.h)
	if n == 0 {
		return Never, 0, v, false
	}
	top := a.h[0]
	last := n - 1
	a.h[0] = a.h[last]
	var zero entry[T]
	a.h[last] = zero // drop references held by the payload
	a.h = a.h[:last]
	if last > 0 {
		a.down(0)
	}
	return top.at, top.seq, top.v, true
}

// Reset empties the agenda, keeping its storage and its sequence counter.
func (a *Agenda[T]) Reset() {
	clear(a.h)
	a.h = a.h[:0]
}

func (a *Agenda[T]) up(i int) {
	h := a.h
	e := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !e.less(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (a *Agenda[T]) down(i int) {
	h := a.h
	n := len(h)
	e := h[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := c + 4
		if end > n {
			end = n
		}
		for j := c + 1; j < end; j++ {
			if h[j].less(&h[m]) {
				m = j
			}
		}
		if !h[m].less(&e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}
