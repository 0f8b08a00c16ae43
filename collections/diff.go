package collections

import "strings"

// LineDiff compares two texts line by line through a longest common
// subsequence and returns every line prefixed with " " (kept), "-" (only
// in a) or "+" (only in b), removals before additions, one per line.
// The common head and tail are cut off first; if what is left would still
// need a table over maxDiffCells (hostile texts of many short lines), the
// diff is the plain "all removed, all added", correct but not minimal.
func LineDiff(a, b string) string {
	x, y := lines(a), lines(b)
	var out []string
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		out = append(out, " "+x[head])
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	out = append(out, lcsDiff(x[head:len(x)-tail], y[head:len(y)-tail])...)
	for _, l := range x[len(x)-tail:] {
		out = append(out, " "+l)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// lines splits text into lines; a final newline does not start a line.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

const maxDiffCells = 4 << 20 // 16 MiB of int32

func lcsDiff(x, y []string) []string {
	if len(x)*len(y) > maxDiffCells {
		return append(prefixed("-", x), prefixed("+", y)...)
	}
	// n[i][j] is the length of the LCS of x[i:] and y[j:].
	w := len(y) + 1
	n := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				n[i*w+j] = n[(i+1)*w+j+1] + 1
			} else {
				n[i*w+j] = max(n[(i+1)*w+j], n[i*w+j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, " "+x[i])
			i++
			j++
		case n[(i+1)*w+j] >= n[i*w+j+1]:
			out = append(out, "-"+x[i])
			i++
		default:
			out = append(out, "+"+y[j])
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, "-"+x[i])
	}
	for ; j < len(y); j++ {
		out = append(out, "+"+y[j])
	}
	return out
}

func prefixed(p string, ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = p + l
	}
	return out
}
