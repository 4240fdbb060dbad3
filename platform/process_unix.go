//go:build unix

package platform

// visibleWindowPIDs is nil: on Unix the agent has no window to tell its UI from its service.
func visibleWindowPIDs() (map[int32]bool, error) { return nil, nil }
