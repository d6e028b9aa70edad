//go:build !linux

package localapi

import "net"

// wrapListener returns ln as is: without SO_PEERCRED the socket's private
// directory and mode keep other users out.
func wrapListener(ln net.Listener) net.Listener { return ln }
