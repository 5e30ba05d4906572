// Package readme holds the test that runs the repository's README quick
// start exactly as written, on a copy of the repository as a user's fresh
// clone has it, and checks that no file refers to a path outside the
// repository and that every Markdown link names a file of it. It has no
// code of its own.
package readme
