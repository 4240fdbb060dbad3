//go:build !linux && !windows

package platform

import "context"

func wininetProxy() (WinINetProxy, error) { return WinINetProxy{}, ErrUnsupported }

func portHolders(context.Context, int) ([]PortHolder, string, error) {
	return nil, "", ErrUnsupported
}
