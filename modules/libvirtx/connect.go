// Package libvirtx holds what play's libvirt inventory source and the
// virt_install module share: opening a connection with an error a user can
// act on, resolving a guest's address, the domain XML a spec produces and
// the NoCloud seed ISO.
//
// play is built with -tags libvirt_dlopen: libvirt.so.0 is loaded on the
// first libvirt call, so play runs on controllers without libvirt and only
// a libvirt feature fails there (with the message from Open).
package libvirtx

import (
	"fmt"
	"strings"

	"libvirt.org/go/libvirt"
)

// DefaultURI is the hypervisor a module or source talks to when none is
// given: the system instance on the controller, like virsh as root.
const DefaultURI = "qemu:///system"

// Open connects to a libvirt URI. When libvirt.so.0 cannot be loaded the
// error says what to install instead of the loader's raw dlerror text.
func Open(uri string) (*libvirt.Connect, error) {
	if uri == "" {
		uri = DefaultURI
	}
	c, err := libvirt.NewConnect(uri)
	if err != nil {
		return nil, OpenError(uri, err)
	}
	return c, nil
}

// OpenError turns a failed connect into a message naming the fix.
func OpenError(uri string, err error) error {
	msg := Msg(err)
	if strings.Contains(msg, "libvirt.so") {
		return fmt.Errorf("libvirt %s: the libvirt client library (libvirt.so.0) is not installed on this controller; "+
			"install it (Debian: apt-get install libvirt0, Fedora/CentOS: dnf install libvirt-libs) or run play where it is: %s", uri, msg)
	}
	if strings.Contains(msg, "Failed to connect socket") {
		return fmt.Errorf("libvirt %s: %s; is the libvirt daemon running there? (systemctl start libvirtd, or virtqemud.socket on modular installs)", uri, msg)
	}
	return fmt.Errorf("libvirt %s: %s", uri, msg)
}

// Close closes a connection, ignoring the reference count it returns.
func Close(c *libvirt.Connect) {
	if c != nil {
		_, _ = c.Close()
	}
}

// Msg is a libvirt error's message without the virError(Code=..) wrapping.
func Msg(err error) string {
	if e, ok := err.(libvirt.Error); ok && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// IsNotFound reports whether err says a domain, volume, pool or network
// does not exist.
func IsNotFound(err error) bool {
	e, ok := err.(libvirt.Error)
	if !ok {
		return false
	}
	switch e.Code {
	case libvirt.ERR_NO_DOMAIN, libvirt.ERR_NO_STORAGE_VOL, libvirt.ERR_NO_STORAGE_POOL, libvirt.ERR_NO_NETWORK:
		return true
	}
	return false
}

// StateNames are virsh's words for domain states, indexed by
// libvirt.DomainState ("shut off" is written shutoff).
var StateNames = []string{"nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"}

// StateName names a domain state.
func StateName(st libvirt.DomainState) string {
	if int(st) >= 0 && int(st) < len(StateNames) {
		return StateNames[st]
	}
	return fmt.Sprintf("state%d", st)
}
