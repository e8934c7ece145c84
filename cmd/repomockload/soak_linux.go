package main

import "syscall"

// childProcAttr puts repomock in a process group of its own, so that a
// Ctrl-C meant for the harness reaches it only through the harness's stop,
// and has the kernel kill it if the harness dies first.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
