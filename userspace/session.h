/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tracing session: the programs of bpf/ (skeleton rmap_trace.skel.h) loaded and attached for a request, as
 * `trace` streams them and `record` pins them. session.c chooses each hook's attach point.
 */
#ifndef RMAPCTL_SESSION_H
#define RMAPCTL_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "json.h"
#include "rmap_trace.h"
#include "rmap_trace.skel.h"

/* Event kinds asked for, one bit per rmp_event_type, and their names: one table for parsing and printing. */
#define WANT(type) (1U << ((type) - 1))
enum {
	WANT_MIGRATE = WANT(RMP_EV_MIGRATE), WANT_UNMAP = WANT(RMP_EV_UNMAP), WANT_ZAP = WANT(RMP_EV_ZAP),
	WANT_PIN = WANT(RMP_EV_PIN),	/* pins and their unpins */
};
#define NR_KINDS 4
extern const char *const event_kinds[NR_KINDS];	/* by type - 1 */

extern int trace_verbose;	/* -v: the attach points chosen and libbpf's warnings; -vv: libbpf's whole log */

enum attach_mode { ATTACH_FENTRY, ATTACH_KPROBE, ATTACH_AUTO /* fentry, else kprobe, hook by hook */ };

/* Room for every hook of session.c's table (it checks that it fits). */
#define SESSION_MAX_HOOKS 32

struct request {
	unsigned int want;	/* WANT_* */
	bool ringbuf, history;	/* trace: stream events; record: keep each PFN's last ones */
	bool by_pfn;
	uint64_t pfn;
	uint32_t pid;
	int attach;		/* -1: auto; else an attach_mode */
	uint32_t entries;	/* record: PFNs the history map holds */
	uint32_t ring_mib;	/* trace: the ring buffer's size; 0: RMP_RINGBUF_BYTES */
	bool stack;		/* trace --stack: each event with its kernel stack */
	uint8_t pins;		/* with WANT_PIN: RMP_PIN_LONGTERM (record) or RMP_PIN_ALL (trace) */
};

struct session {
	struct rmap_trace *skel;
	struct bpf_link *links[SESSION_MAX_HOOKS];
	enum attach_mode link_mode[SESSION_MAX_HOOKS];	/* how each hook is attached */
	unsigned int want;	/* what was asked for; once attached: what this session gives */
};

/* What was lost, by cause: every loss the kernel or the programs know of. */
struct losses {
	uint64_t ring_full;	/* the ring buffer had no room (the reader fell behind) */
	uint64_t unpaired;	/* a move's kprobe and kretprobe did not pair up */
	uint64_t skipped;	/* runs of event programs the kernel skipped: one already running on that CPU */
	/* not lost but misclassified: a task's context could not be stored (task storage: no memory, or busy) */
	uint64_t no_context;
};

/* Load and attach what @req asks for; an rmapctl exit code (the reason said). */
int session_open(struct session *s, const struct request *req);
/* Detach every hook, adding the program runs the kernel skipped to @lost. */
void session_detach(struct session *s, struct losses *lost);
void session_close(struct session *s);
/* "kind:target" of hook @i's link (fentry:try_to_unmap_one), or NULL if it has none. */
const char *session_link_name(const struct session *s, size_t i, char *buf, size_t len);

/* Are the runs of the program behind a pinned link named @link_name ("fentry:target") events? */
bool session_link_emits(const char *link_name);

uint64_t stat_sum(int stats_fd, uint32_t stat);
/* Runs of the program behind @prog_fd that the kernel skipped (bpf_prog_info.recursion_misses). */
uint64_t prog_skipped(int prog_fd);
uint64_t losses_total(const struct losses *l);
void losses_print(const struct losses *l, FILE *out);
void losses_write_json(struct json *j, const struct losses *l);

/* --events and --attach; 0, or -1 for a bad one. */
int parse_events(const char *list, unsigned int *want);
int parse_attach(const char *arg, int *attach);
/* The kinds in @want, comma-separated, as --events takes them. */
const char *events_list(unsigned int want);

/* The running kernel's BTF, loaded once; NULL without one. */
struct btf *vmlinux_btf(void);
/* This kernel's FOLL_LONGTERM gup flag, from its BTF (what pin events' flags are tested against). */
uint32_t kernel_foll_longterm(void);

#endif
