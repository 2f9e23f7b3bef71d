//go:build unix

package playback

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUTime is the processor time used so far by this process, by its
// children that have ended and been waited for, and by the live processes
// pids (such as a player's ffmpeg, read from /proc where there is one).
// Benchmarks take it before and after playing.
func CPUTime(pids []int) time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name in parentheses, which may hold
		// spaces; utime and stime are the 14th and 15th fields, in clock
		// ticks (100 a second).
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(fields) > 12 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			k, _ := strconv.ParseInt(fields[12], 10, 64)
			total += time.Duration(u+k) * 10 * time.Millisecond
		}
	}
	return total
}
