// Package web holds the dashboard's built assets (dist: the app, its
// hashed assets and the API reference under docs/), embedded so the
// server needs no Node. The sources and the build live beside this file
// (package.json, src/); `npm run build` rewrites dist.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app: index.html, assets/ and docs/, each
// compressible file with its .br and .gz siblings.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: embedded dist: " + err.Error()) // "dist" is a valid name: cannot happen
	}
	return sub
}
