// Package webapp serves a built single-page web app and its API reference
// from an fs.FS (the web package's embedded dist): the app shell for every
// unknown path (SPA fallback), hashed assets cached for a year, the
// precompressed .br or .gz sibling of a file when the client accepts it,
// and a Content-Security-Policy per document: the app's, or the API
// reference's under /docs.
package webapp
