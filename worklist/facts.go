package worklist

import "iter"

// Facts are turnaround records held in parts, as a store keeps them (a
// part a site and day), so that a read of a year hands out the parts it
// has decoded rather than copying some 300,000 records into one slice
// for every query. The parts may be shared with the store's cache and
// with other readers: read them, never change them.
type Facts [][]Turnaround

// Len returns how many records f holds.
func (f Facts) Len() int {
	n := 0
	for _, p := range f {
		n += len(p)
	}
	return n
}

// All yields each record of f, part after part.
func (f Facts) All() iter.Seq[*Turnaround] {
	return func(yield func(*Turnaround) bool) {
		for _, p := range f {
			for i := range p {
				if !yield(&p[i]) {
					return
				}
			}
		}
	}
}
