/* SPDX-License-Identifier: GPL-2.0 */
/* What every rmapctl command shares: its name in messages and its exit codes (README.md, "Exit codes"). */
#ifndef RMAPCTL_H
#define RMAPCTL_H

extern const char *prog;

/* Exit codes: distinct so that scripts can tell what went wrong. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,	/* anything not listed below */
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,	/* module not loaded or debugfs not mounted; trace: BPF unavailable */
	EXIT_PERMISSION = 4,
	EXIT_BAD_PFN = 5,	/* the kernel has no page we can report at that PFN */
};

#endif
