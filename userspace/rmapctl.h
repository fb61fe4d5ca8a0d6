/* SPDX-License-Identifier: GPL-2.0 */
/* What every rmapctl command shares: its name in messages, its exit codes (README.md, "Exit codes"), errors. */
#ifndef RMAPCTL_H
#define RMAPCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern const char *prog;

/* Exit codes: distinct so that scripts can tell what went wrong. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,	/* anything not listed below */
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,	/* module not loaded or debugfs not mounted */
	EXIT_PERMISSION = 4,
	EXIT_BAD_PFN = 5,	/* the kernel has no page we can report at that PFN */
	EXIT_NO_TRACING = 6,	/* trace/record: no BTF, or none of the events asked for can be traced here */
	EXIT_NOT_FOUND = 7,	/* vaddr: no such process, or the address is not mapped or its page not present */
};

/*
 * --json or --json-lines was asked for: then an error is also one JSON document on stdout,
 * {"error":{"message":"...","exit_code":N}}, so that a script reading stdout always reads JSON (as bpftool -j).
 */
extern bool json_mode;

/* Say what went wrong (stderr, and stdout in json_mode); returns @code, the exit code. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error: the usage on stderr (and an error document in json_mode); returns EXIT_USAGE. */
int fail_usage(void (*usage)(FILE *out));
/* Set json_mode before any option is parsed, so that even a bad option is reported as JSON. */
void json_mode_from_args(int argc, char **argv);

/* A whole unsigned number, decimal or 0x hex, at most @max: 0, or -1 for anything else. */
int parse_uint(const char *s, uint64_t max, uint64_t *v);
bool have_capability(int cap);

#endif
