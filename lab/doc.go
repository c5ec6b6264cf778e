// Package lab holds the test lab: lab.sh boots real systemd hosts (Debian 12
// under systemd-nspawn, one network namespace each) on this machine, and
// lab_test.go checks that they come up and leave nothing behind. See
// docs/lab.md.
package lab
