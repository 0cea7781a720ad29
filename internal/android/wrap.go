package android

import (
	"fmt"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// WrapProp is the property zygote reads for pkg's main process. Before
// Android 8.0 (API 26) zygote truncated the name to 31 characters, or to 30
// when the 31st is a '.', so the property must be set under that name.
func WrapProp(pkg string, sdk int) string {
	name := "wrap." + pkg
	if sdk >= 26 || len(name) <= 31 {
		return name
	}
	if name[30] == '.' {
		return name[:30]
	}
	return name[:31]
}

// WrapValue is the value that makes zygote start the app with the shim
// preloaded; it must fit in a property value.
func WrapValue(lib string) (string, error) {
	v := "LD_PRELOAD=" + lib
	if len(v) > adb.PropValueMax {
		return "", fmt.Errorf("wrap value %q is %d bytes, more than the %d a property can hold (package name too long)", v, len(v), adb.PropValueMax)
	}
	return v, nil
}
