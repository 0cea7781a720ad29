package android

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
)

// AppABI is the ABI the app's process runs with: primaryCpuAbi from
// `dumpsys package`, or, for an app without native code (null), the
// device's preferred ABI; then the ABI of the zygote that serves it.
// zygote64 serves every ABI of ro.product.cpu.abilist64 and zygote (32-bit)
// those of abilist32 (ZygoteProcess picks the zygote whose ABI list holds
// the app's ABI); each runs the device's own instruction set, the first ABI
// of its list. So a 32-bit app on a 64-bit phone runs as a 32-bit process,
// and an ARM app on an x86 device with a native bridge
// (ro.dalvik.vm.native.bridge; abilist64 "x86_64,arm64-v8a") runs in an
// x86_64 app_process64, its ARM code translated: the shim must be x86_64.
func AppABI(primary string, deviceABIs, abis64, abis32 []string) (string, error) {
	if len(deviceABIs) == 0 {
		return "", fmt.Errorf("the device reports no ABI (ro.product.cpu.abilist is empty)")
	}
	if primary == "" {
		return deviceABIs[0], nil
	}
	for _, list := range [][]string{abis64, abis32} {
		for _, a := range list {
			if a == primary {
				return list[0], nil
			}
		}
	}
	return primary, nil
}

// shimABI is the build of the shim an ABI takes: legacy armeabi processes
// (ARMv5 code) run on ARMv7 CPUs, where the armeabi-v7a build loads.
func shimABI(abi string) string {
	if abi == "armeabi" {
		return "armeabi-v7a"
	}
	return abi
}

// abiELF is the ELF machine and class of each Android ABI.
var abiELF = map[string]struct {
	machine elf.Machine
	class   elf.Class
}{
	"arm64-v8a":   {elf.EM_AARCH64, elf.ELFCLASS64},
	"armeabi-v7a": {elf.EM_ARM, elf.ELFCLASS32},
	"x86":         {elf.EM_386, elf.ELFCLASS32},
	"x86_64":      {elf.EM_X86_64, elf.ELFCLASS64},
}

// ShimFor returns the local shim to install for abi: the user's --shim, or
// <libDir>/android-<abi>/libtcpsnitch.so. The file must be a shared library
// for that ABI: the loader would silently skip a library of the wrong kind
// and the app would run untraced.
func ShimFor(abi, libDir, userShim string) (string, error) {
	abi = shimABI(abi)
	want, known := abiELF[abi]
	if !known {
		return "", fmt.Errorf("the app runs with ABI %q, which tcpsnitch has no shim for (known: arm64-v8a, armeabi-v7a, x86, x86_64)", abi)
	}
	path := userShim
	if path == "" {
		path = filepath.Join(libDir, "android-"+abi, "libtcpsnitch.so")
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("no shim for ABI %s at %s: build the Android shims (`make android`, see docs/android.md) or pass --shim <libtcpsnitch.so>", abi, path)
		}
	}
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("shim %s is not a shared library: %v", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return "", fmt.Errorf("shim %s is not a shared library (ELF type %s)", path, f.Type)
	}
	if f.Machine != want.machine || f.Class != want.class {
		return "", fmt.Errorf("shim %s is built for %s %s, but the app runs with ABI %s: pass the %s build", path, f.Class, f.Machine, abi, abi)
	}
	return filepath.Abs(path)
}
