//go:build !linux

package main

import "syscall"

// childProcAttr: no special attributes off Linux (where --soak cannot read
// RSS anyway).
func childProcAttr() *syscall.SysProcAttr { return nil }
