//go:build !linux && !windows

package platform

import (
	"context"
	"errors"
)

func wininetProxy() (WinINetProxy, error) { return WinINetProxy{}, errors.ErrUnsupported }

func portHolders(context.Context, int) ([]PortHolder, string, error) {
	return nil, "", errors.ErrUnsupported
}
