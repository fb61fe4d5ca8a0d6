// SPDX-License-Identifier: GPL-2.0
/*
 * Who pinned a page, for rmapctl explain: the flight recorder's account of its folio's pins (record.c keeps
 * the recorder, bpf/pin.bpf.c the account), with the newest long-term pinner, its age and its kernel stack
 * by function.
 */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "explain.h"
#include "ksyms.h"
#include "rmap_trace.h"
#include "session.h"
#include "trace.h"

void explain_env_pinner(struct explain_env *env, uint64_t head_pfn)
{
	struct rmp_pin_owner pin;
	uint64_t frames[RMP_STACK_DEPTH];
	uint32_t n = 0;
	struct timespec now;
	size_t len = 0;
	int found = pin_owner_lookup(head_pfn, &pin, frames, &n);

	env->pinner = found == -1 ? PINNER_NO_RECORDER : found == -2 ? PINNER_NOT_FOLLOWED :
		      found ? PINNER_KNOWN : PINNER_UNSEEN;
	if (found <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	env->pinner_pid = pin.pid;
	snprintf(env->pinner_comm, sizeof(env->pinner_comm), "%.*s", RMP_COMM_LEN, pin.comm);
	env->pinner_age_s = ((double)now.tv_sec * 1e9 + (double)now.tv_nsec - (double)pin.ts_ns) / 1e9;
	if (env->pinner_age_s < 0)
		env->pinner_age_s = 0;
	env->pinner_longterm = true;	/* the account names only long-term pinners */
	env->pinner_via[0] = '\0';
	env->pinner_frames = n < 32 ? n : 32;
	for (uint32_t i = 0; i < env->pinner_frames; i++) {
		char sym[KSYM_NAME_MAX], *plus;

		ksym_name(frames[i], sym, sizeof(sym));
		snprintf(env->pinner_stack[i], sizeof(env->pinner_stack[i]), "%.63s", sym);
		/* the first frames, by function: the pinning call and the path to it */
		plus = strchr(sym, '+');
		if (plus)
			*plus = '\0';
		if (i < 8 && len < sizeof(env->pinner_via))
			len += (size_t)snprintf(env->pinner_via + len, sizeof(env->pinner_via) - len, "%s%s",
						i ? " < " : "", sym);
	}
}
