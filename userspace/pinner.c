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
#include <unistd.h>
#include "explain.h"
#include "ksyms.h"
#include "rmap_trace.h"
#include "session.h"
#include "trace.h"

/* How many pins the kernel holds on @r's folio: its own count, or a small one's references beyond the expected. */
static long kernel_pins(const struct report *r)
{
	return r->hold.pincount >= 0 ? r->hold.pincount : r->hold.extra / 1024;
}

void explain_env_pinner(struct explain_env *env, const struct report *r)
{
	struct rmp_pin_owner pin;
	uint64_t frames[RMP_STACK_DEPTH];
	uint32_t n = 0;
	struct timespec now;
	size_t len = 0;
	char proc[32];
	int found = pin_owner_lookup(r->head_pfn, &pin, frames, &n);

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
	/*
	 * The account counts what the recorder saw from its first long-term pin on; more than the kernel holds
	 * means unpins it missed (a path it does not hook), and then the account may outlive the pin it names.
	 */
	env->pinner_recorded_pins = pin.pins;
	env->pinner_kernel_pins = kernel_pins(r);
	env->pinner_stale = pin.pins > env->pinner_kernel_pins;
	snprintf(proc, sizeof(proc), "/proc/%u", pin.pid);
	env->pinner_gone = access(proc, F_OK) != 0;
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
