package main

import _ "embed"

// licences is the text of the licences of Go and of every module built
// into Reelhouse, for the About dialog (gui.Deps.Licences). `make test`
// checks that it is current.
//
//go:generate go run ./.ci/licenses -o docs/licenses.txt
//go:embed docs/licenses.txt
var licences string
