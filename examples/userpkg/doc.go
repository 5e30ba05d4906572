// Package userpkg shows how a project outside faultline tests its own
// system: a tiny key-value node (store.go), a registry of its system and
// scenarios in the test files, faultlinetest.Run in a test, and a TestMain
// that serves as a sweep worker, so that
//
//	faultline list ./examples/userpkg
//	faultline sweep ./examples/userpkg --seeds 100
//
// build this package's test binary once and drive it.
package userpkg
