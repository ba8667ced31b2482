package report

import "runtime/debug"

// Release names the running build for error reports: the main module's
// version when it has one, else its VCS revision (with "-dirty" for a
// modified tree), else "".
func Release() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return releaseOf(bi)
}

func releaseOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}
