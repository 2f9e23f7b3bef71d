//go:build !linux

package history

import "errors"

func limitFileSize(int64) error { return errors.ErrUnsupported }

const canLimitFileSize = false
