package main

import "github.com/helpdesk-gw/helpdesk/config"

// applyMemoryLimit sets serve's soft memory limit (config key memory_limit,
// unless GOMEMLIMIT is set) and logs it; the returned function puts the
// process's previous limit back, for the tests that run serve in-process.
func (e *env) applyMemoryLimit() (restore func()) {
	limit, from, restore := e.cfg.ApplyMemoryLimit(e.getenv)
	if limit == 0 {
		e.log.Info("no memory limit: the garbage collector is paced by GOGC alone", "from", from)
	} else {
		e.log.Info("soft memory limit set", "limit", config.MemoryLimit(limit).String(), "from", from)
	}
	return restore
}
