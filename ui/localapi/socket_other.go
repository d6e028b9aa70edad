//go:build !unix

package localapi

import (
	"fmt"
	"os"
)

// ensurePrivateDir creates dir. Unix permission bits mean nothing here;
// on Windows the default directory lies in the per-user temporary
// directory, whose ACL keeps other users out.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating socket directory: %w", err)
	}
	return nil
}

// secureSocket does nothing: the file's ACL is inherited from the private
// directory.
func secureSocket(string) error { return nil }
