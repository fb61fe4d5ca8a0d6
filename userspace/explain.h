/* SPDX-License-Identifier: GPL-2.0 */
/* rmapctl explain: why a page will not migrate, be reclaimed or be offlined, and who holds it. */
#ifndef RMAPCTL_EXPLAIN_H
#define RMAPCTL_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "json.h"
#include "report.h"

/* The operations a page is asked about, in the order they are printed. */
enum explain_op { OP_MIGRATE, OP_RECLAIM, OP_OFFLINE, NR_OPS };

extern const char *const explain_op_names[NR_OPS];

/* What the answer depends on beyond the page itself. */
struct explain_env {
	bool swap_free;		/* swap space is free: anonymous and shmem pages can be reclaimed */
	/* who pinned the page, as the flight recorder saw it (rmapctl record) */
	enum { PINNER_NO_RECORDER, PINNER_NOT_FOLLOWED, PINNER_UNSEEN, PINNER_KNOWN } pinner;
	long pinner_pid;
	char pinner_comm[17];
	double pinner_age_s;
	bool pinner_longterm;
	char pinner_via[512];	/* the pinning call's kernel stack, innermost first, " < " between */
	char pinner_stack[32][64];
	unsigned int pinner_frames;
	long pinner_recorded_pins, pinner_kernel_pins;
	bool pinner_stale;	/* the recorder counts more pins than the kernel holds: it missed unpins */
	bool pinner_gone;	/* the named process has exited */
};

#define ANSWER_DETAIL 768

struct answer {
	const char *verdict;	/* "yes", "waits" (for something that ends by itself) or "no" */
	const char *reason;	/* a stable word for scripts: "dma-pinned", "mlocked", ... */
	char detail[ANSWER_DETAIL];	/* the sentence a person reads, naming processes where they are the reason */
};

/* The answers for one report: pure, for the unit tests. */
void explain_report(const struct report *r, const struct explain_env *env, struct answer out[NR_OPS]);

/* The environment of this machine (/proc/meminfo). */
void explain_env_read(struct explain_env *env);
/* Who pinned @r's folio, if the flight recorder saw it (env->pinner), checked against the kernel's count. */
void explain_env_pinner(struct explain_env *env, const struct report *r);

void explain_print_human(const struct report *r, const struct answer a[NR_OPS], FILE *out);
void explain_write_json(struct json *j, const struct report *r, const struct explain_env *env,
			const struct answer a[NR_OPS]);

int cmd_explain(int argc, char **argv);

#endif
