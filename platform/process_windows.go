package platform

import (
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// windowEnum collects the result of one EnumWindows call; the callback is created once, as
// Windows callbacks cannot be freed.
var windowEnum struct {
	sync.Mutex
	pids map[int32]bool
}

var enumWindowsCallback = sync.OnceValue(func() uintptr {
	return syscall.NewCallback(func(hwnd windows.HWND, _ uintptr) uintptr {
		if windows.IsWindowVisible(hwnd) {
			var pid uint32
			if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err == nil && pid != 0 {
				windowEnum.pids[int32(pid)] = true
			}
		}
		return 1
	})
})

func visibleWindowPIDs() (map[int32]bool, error) {
	cb := enumWindowsCallback()
	windowEnum.Lock()
	defer windowEnum.Unlock()
	windowEnum.pids = map[int32]bool{}
	if err := windows.EnumWindows(cb, nil); err != nil {
		return nil, fmt.Errorf("list windows: %w", err)
	}
	pids := windowEnum.pids
	windowEnum.pids = nil
	return pids, nil
}
