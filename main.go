// Command tokentray keeps ESET Connect API tokens fresh for administrators.
// See README.md; the work is done in the packages under auth/ and ui/.
package main

import (
	"os"

	"github.com/tokentray/tokentray/ui/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(cli.Main(os.Args[1:], version))
}
