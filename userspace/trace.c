// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl trace / record / pfn --history: load the programs of bpf/ (one skeleton), pick their attach points
 * from the running kernel's BTF, and either stream events from the ring buffer or leave them running, pinned
 * under bpffs, as a flight recorder that keeps each PFN's last events in an LRU map.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "rmap_trace.h"
#include "rmap_trace.skel.h"
#include "history.h"
#include "report.h"
#include "rmapctl.h"
#include "trace.h"

#define BPFFS "/sys/fs/bpf"
#define PIN_DIR BPFFS "/rmap_probe"
#define PIN_HISTORY PIN_DIR "/history"
#define PIN_STATS PIN_DIR "/stats"
#define BPF_FS_MAGIC_ 0xcafe4a11

/* Event kinds asked for, one bit per rmp_event_type, and their names: one table for parsing and printing. */
#define WANT(type) (1U << ((type) - 1))
enum { WANT_MIGRATE = WANT(RMP_EV_MIGRATE), WANT_UNMAP = WANT(RMP_EV_UNMAP), WANT_ZAP = WANT(RMP_EV_ZAP) };
static const char *const event_kinds[] = { "migrate", "unmap", "zap" };	/* by type - 1 */
#define NR_KINDS (sizeof(event_kinds) / sizeof(event_kinds[0]))

static int verbose;	/* -v: the attach points chosen; -vv: libbpf's own log too */

/* ---- attach points ---- */

/*
 * Every hook, what it serves and its program in each attach mode. Each is loaded only where the running
 * kernel's BTF has its function or tracepoint; hooks that share an alternative number stand in for each other
 * (one is enough), OPTIONAL ones make the events better where they exist, the others are all needed by the
 * events they serve.
 */
enum attach_mode { ATTACH_FENTRY, ATTACH_KPROBE, ATTACH_AUTO /* fentry, else kprobe, hook by hook */ };
#define OPTIONAL (-1)

/*
 * A program of the skeleton, by its place in struct rmap_trace: a misspelt name does not compile. 0 (where
 * the skeleton keeps its own pointer, never a program): no program in that mode.
 */
#define PROG(name) offsetof(struct rmap_trace, progs.name)
#define NO_PROG 0

static const struct hook {
	const char *target;	/* the tracepoint (tp_btf) or kernel function */
	bool tracepoint, on_return;
	size_t fentry;		/* the program with BPF trampolines (fentry/fexit); NO_PROG: not needed there */
	size_t kprobe;		/* the program without them (kprobe/kretprobe); NO_PROG: not needed there */
	unsigned int serves;	/* WANT_* */
	int alternative;
	const char *role;
} hooks[] = {
	{ "mm_migrate_pages_start", true, false, PROG(migrate_start), PROG(migrate_start), WANT_MIGRATE, 0,
	  "migration reason" },
	{ "mm_migrate_pages", true, false, PROG(migrate_end), PROG(migrate_end), WANT_MIGRATE, 0,
	  "end of a migration run" },
	{ "move_to_new_folio", false, false, NO_PROG, PROG(move_to_new_folio), WANT_MIGRATE, 0,
	  "source and destination folio" },
	{ "move_to_new_folio", false, true, PROG(fexit_move_to_new_folio), PROG(move_to_new_folio_ret),
	  WANT_MIGRATE, 0, "moved or failed" },
	{ "try_to_unmap_one", false, false, PROG(fentry_try_to_unmap_one), PROG(try_to_unmap_one),
	  WANT_UNMAP, 1, "unmap: reclaim, memory failure, split" },
	{ "try_to_migrate_one", false, false, PROG(fentry_try_to_migrate_one), PROG(try_to_migrate_one),
	  WANT_UNMAP, 1, "unmap: migration" },
	{ "page_remove_rmap", false, false, PROG(fentry_page_remove_rmap), PROG(page_remove_rmap),
	  WANT_UNMAP | WANT_ZAP, 2, "rmap removal, until 6.6" },
	{ "folio_remove_rmap_ptes", false, false, PROG(fentry_folio_remove_rmap_ptes), PROG(folio_remove_rmap_ptes),
	  WANT_UNMAP | WANT_ZAP, 2, "rmap removal of PTEs, 6.6+" },
	{ "folio_remove_rmap_pmd", false, false, PROG(fentry_folio_remove_rmap_pmd), PROG(folio_remove_rmap_pmd),
	  WANT_UNMAP | WANT_ZAP, 2, "rmap removal of a PMD, 6.6+" },
	{ "mm_update_next_owner", false, false, PROG(fentry_mm_update_next_owner), PROG(mm_update_next_owner),
	  WANT_UNMAP | WANT_ZAP, OPTIONAL, "the process an exited mm belonged to" },
};
#define NR_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* The hook's program in @mode, or NULL if it needs none there. */
static struct bpf_program *hook_prog(struct rmap_trace *skel, const struct hook *h, enum attach_mode mode)
{
	size_t off = mode == ATTACH_FENTRY ? h->fentry : h->kprobe;

	return off == NO_PROG ? NULL : *(struct bpf_program **)((char *)skel + off);
}

static const char *hook_kind(const struct hook *h, enum attach_mode mode)
{
	if (h->tracepoint)
		return "tp_btf";
	if (mode == ATTACH_FENTRY)
		return h->on_return ? "fexit" : "fentry";
	return h->on_return ? "kretprobe" : "kprobe";
}

static bool kernel_has(const struct btf *btf, const struct hook *h)
{
	char name[128];

	if (!h->tracepoint)
		return btf__find_by_name_kind(btf, h->target, BTF_KIND_FUNC) > 0;
	snprintf(name, sizeof(name), "btf_trace_%s", h->target);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/* Can this kernel give the events @w: every needed hook, and one of each set of alternatives? */
static bool kernel_serves(const bool *present, unsigned int w)
{
	for (size_t i = 0; i < NR_HOOKS; i++) {
		bool any = present[i];

		if (!(hooks[i].serves & w) || hooks[i].alternative == OPTIONAL)
			continue;
		for (size_t k = 0; hooks[i].alternative && k < NR_HOOKS; k++)
			any |= hooks[k].alternative == hooks[i].alternative && present[k];
		if (!any)
			return false;
	}
	return true;
}

/* libbpf's own messages: its warnings with -v, everything with -vv; rmapctl says what failed in one line. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose < (level == LIBBPF_WARN ? 1 : 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;

	if (!btf)
		btf = btf__load_vmlinux_btf();	/* NULL: no BTF, said by the caller */
	return btf;
}

/* A kernel symbol's address from /proc/kallsyms; 0 when absent. */
static int kallsyms_address(const char *sym, uint64_t *addr)
{
	char line[256], name[200], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");
	int found = 0;

	*addr = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %199s", &a, &type, name) == 3 && !strcmp(name, sym)) {
			*addr = a;
			found = 1;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static int parse_events(const char *list, unsigned int *want)
{
	char buf[64], *save, *tok;

	*want = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k = 0;

		while (k < NR_KINDS && strcmp(tok, event_kinds[k]))
			k++;
		if (k == NR_KINDS)
			return -1;
		*want |= 1U << k;
	}
	return *want ? 0 : -1;
}

/* The kinds in @want, comma-separated, as --events takes them. */
static const char *events_list(unsigned int want)
{
	static char buf[32];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < NR_KINDS; k++)
		if (want & (1U << k))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", event_kinds[k]);
	return buf;
}

struct session {
	struct rmap_trace *skel;
	struct bpf_link *links[NR_HOOKS];
	enum attach_mode link_mode[NR_HOOKS];	/* how each hook is attached */
	unsigned int want;	/* what was asked for; once attached: what this session gives */
};

struct request {
	unsigned int want;	/* WANT_* */
	bool ringbuf, history;	/* trace: stream events; record: keep each PFN's last ones */
	bool by_pfn;
	uint64_t pfn;
	uint32_t pid;
	int attach;		/* -1: fentry, falling back to kprobes; else an attach_mode */
	uint32_t entries;	/* record: PFNs the history map holds */
	uint32_t ring_mib;	/* trace: the ring buffer's size; 0: RMP_RINGBUF_BYTES */
};

static void session_close(struct session *s)
{
	for (size_t i = 0; i < NR_HOOKS; i++)
		bpf_link__destroy(s->links[i]);
	rmap_trace__destroy(s->skel);
	memset(s, 0, sizeof(*s));
}

/* Which of this kernel's hooks serve @req, and what it cannot give (said, not failed on). */
static unsigned int kernel_offer(const struct btf *btf, const struct request *req, bool *present)
{
	unsigned int have = 0;

	for (size_t i = 0; i < NR_HOOKS; i++)
		present[i] = kernel_has(btf, &hooks[i]);
	for (size_t k = 0; k < NR_KINDS; k++)
		if (kernel_serves(present, 1U << k))
			have |= 1U << k;
	for (size_t k = 0; k < NR_KINDS; k++) {
		unsigned int w = 1U << k;

		if (!(req->want & w) || (have & w))
			continue;
		fprintf(stderr, "%s: %s events are not available on this kernel: its BTF lacks", prog, event_kinds[k]);
		for (size_t i = 0; i < NR_HOOKS; i++)
			if ((hooks[i].serves & w) && !present[i])
				fprintf(stderr, " %s", hooks[i].target);
		fprintf(stderr, "\n");
	}
	return req->want & have;
}

/* Is hook @i the entry kprobe of a return hook that is attached as a kretprobe (which needs it)? */
static bool entry_needed(const struct session *s, size_t i)
{
	for (size_t k = 0; k < NR_HOOKS; k++)
		if (hooks[k].on_return && !strcmp(hooks[k].target, hooks[i].target) && s->links[k] &&
		    s->link_mode[k] == ATTACH_KPROBE)
			return true;
	return false;
}

/* Is a program of @h loaded, in either mode? */
static bool hook_loaded(const struct session *s, const struct hook *h)
{
	for (int m = ATTACH_FENTRY; m <= ATTACH_KPROBE; m++) {
		struct bpf_program *p = hook_prog(s->skel, h, (enum attach_mode)m);

		if (p && bpf_program__autoload(p))
			return true;
	}
	return false;
}

/* A kprobe-only hook: the entry half of a kretprobe, of no use beside fexit. */
static bool entry_only(const struct hook *h)
{
	return h->fentry == NO_PROG && !h->tracepoint;
}

/*
 * Attach hook @i in @mode: fentry, kprobe, or in ATTACH_AUTO fentry and, if the kernel refuses that hook's
 * trampoline (a full trampoline, an ftrace conflict), its kprobe: one hook's trouble stays that hook's.
 * 0, or the last error.
 */
static int attach_hook(struct session *s, size_t i, enum attach_mode mode)
{
	const struct hook *h = &hooks[i];
	enum attach_mode tries[2] = { ATTACH_FENTRY, ATTACH_KPROBE };
	int err = -ENOENT, first_err = 0;

	for (int t = 0; t < 2; t++) {
		struct bpf_program *p = hook_prog(s->skel, h, tries[t]);

		if ((mode != ATTACH_AUTO && mode != tries[t]) || !p || !bpf_program__autoload(p))
			continue;
		s->links[i] = bpf_program__attach(p);
		if (s->links[i]) {
			s->link_mode[i] = tries[t];
			if (first_err)
				fprintf(stderr, "%s: %s:%s refused (%s): %s instead\n", prog,
					hook_kind(h, ATTACH_FENTRY), h->target, strerror(-first_err),
					hook_kind(h, ATTACH_KPROBE));
			if (verbose)
				fprintf(stderr, "%s: attach %s:%s (%s)\n", prog, hook_kind(h, tries[t]), h->target,
					h->role);
			return 0;
		}
		err = -errno;
		if (!first_err)
			first_err = err;
	}
	return err;
}

/*
 * What the attached hooks give of @want: a hook that could not be attached drops the events that need it
 * (those it was the only way to), said with the reason.
 */
static unsigned int attached_serve(const struct session *s, unsigned int want, const int *errs)
{
	bool usable[NR_HOOKS];
	unsigned int have = 0;

	for (size_t i = 0; i < NR_HOOKS; i++)
		usable[i] = s->links[i] || (entry_only(&hooks[i]) && !entry_needed(s, i));
	for (size_t k = 0; k < NR_KINDS; k++) {
		unsigned int w = 1U << k;

		if (!(want & w))
			continue;
		if (kernel_serves(usable, w)) {
			have |= w;
			continue;
		}
		fprintf(stderr, "%s: %s events dropped: cannot attach", prog, event_kinds[k]);
		for (size_t i = 0; i < NR_HOOKS; i++)
			if ((hooks[i].serves & w) && !usable[i] && errs[i])
				fprintf(stderr, " %s (%s)", hooks[i].target, strerror(-errs[i]));
		fprintf(stderr, "\n");
	}
	return have;
}

/* Load the programs @mode needs and attach them; an rmapctl exit code, and the session closed on failure. */
static int session_load(struct session *s, const struct request *req, unsigned int want, const bool *present,
			enum attach_mode mode, uint64_t vmemmap)
{
	struct rmp_config cfg = {
		.filter_pfn = req->pfn, .vmemmap_base_addr = vmemmap, .filter_pid = req->pid,
		.filter_by_pfn = req->by_pfn, .want_ringbuf = req->ringbuf, .want_history = req->history,
		.want_unmap = !!(want & WANT_UNMAP), .want_zap = !!(want & WANT_ZAP),
	};
	static const char *const mode_names[] = { "fentry", "kprobe", "fentry and kprobe" };
	int errs[NR_HOOKS] = { 0 };
	struct bpf_program *p;
	unsigned int attached = 0;
	uint32_t zero = 0;
	int err;

	s->skel = rmap_trace__open();
	if (!s->skel)
		return fail(EXIT_FAILURE_, "cannot open the BPF programs: %s", strerror(errno));
	bpf_object__for_each_program(p, s->skel->obj)
		bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < NR_HOOKS; i++) {
		struct bpf_program *fentry = hook_prog(s->skel, &hooks[i], ATTACH_FENTRY);
		struct bpf_program *kprobe = hook_prog(s->skel, &hooks[i], ATTACH_KPROBE);
		/* a pid filter needs the unmaps for migration to know which migrations are that process's */
		unsigned int serves = hooks[i].serves | (req->pid && (hooks[i].serves & WANT_UNMAP) ? WANT_MIGRATE : 0);
		bool use = present[i] && (serves & want);

		/* auto loads both: the kprobe is the hook's own fallback when its trampoline is refused */
		if (use && fentry && mode != ATTACH_KPROBE)
			bpf_program__set_autoload(fentry, true);
		if (use && kprobe && mode != ATTACH_FENTRY)
			bpf_program__set_autoload(kprobe, true);
		if (verbose && !use)
			fprintf(stderr, "%s: skip   %s:%s (%s): %s\n", prog,
				hook_kind(&hooks[i], fentry && mode != ATTACH_KPROBE ? ATTACH_FENTRY : ATTACH_KPROBE),
				hooks[i].target, hooks[i].role,
				present[i] ? "not asked for" : "not in this kernel's BTF");
	}
	if (verbose)
		fprintf(stderr, "%s: struct page array base: %s\n", prog,
			vmemmap ? "vmemmap_base (randomized)" : "fixed");
	/* each mode sizes only the map it uses */
	if (!req->ringbuf)
		bpf_map__set_max_entries(s->skel->maps.events, getpagesize());
	else if (req->ring_mib)
		bpf_map__set_max_entries(s->skel->maps.events, req->ring_mib << 20);
	bpf_map__set_max_entries(s->skel->maps.history, req->history ? req->entries : 64);
	err = rmap_trace__load(s->skel);
	if (!err && bpf_map_update_elem(bpf_map__fd(s->skel->maps.settings), &zero, &cfg, BPF_ANY))
		err = -errno;
	if (err) {
		session_close(s);
		return fail(err == -EPERM ? EXIT_PERMISSION : EXIT_FAILURE_, "the kernel refused the %s programs: %s%s",
			    mode_names[mode], strerror(-err),
			    verbose > 1 ? "" : " (-v shows libbpf's messages, -vv the verifier's log)");
	}
	/* return hooks first: whether a kretprobe's entry kprobe is needed depends on how they attached */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < NR_HOOKS; i++) {
			const struct hook *h = &hooks[i];

			if (entry_only(h) != (pass == 1) || !hook_loaded(s, h) || (entry_only(h) && !entry_needed(s, i)))
				continue;
			errs[i] = attach_hook(s, i, mode);
			attached += !errs[i];
		}
	}
	s->want = attached_serve(s, want, errs);
	if (!s->want) {
		session_close(s);
		return fail(EXIT_FAILURE_, "nothing left to trace: no hook could be attached%s",
			    mode == ATTACH_KPROBE && access("/sys/bus/event_source/devices/kprobe", F_OK) ?
			    " (this kernel has no kprobe PMU: CONFIG_KPROBE_EVENTS)" : "");
	}
	if (verbose)
		fprintf(stderr, "%s: %u programs attached\n", prog, attached);
	return EXIT_OK;
}

/*
 * Load the programs @req needs, in the attach mode asked for: by default each hook's fentry/fexit (BPF
 * trampolines), or its kprobe where the kernel refuses that trampoline; and kprobes throughout when the kernel
 * refuses the fentry programs themselves (no trampolines at all), saying so.
 */
static int session_open(struct session *s, const struct request *req)
{
	bool present[NR_HOOKS];
	uint64_t vmemmap = 0;
	unsigned int want;
	struct btf *btf;
	int rc, err;

	memset(s, 0, sizeof(*s));
	libbpf_set_print(libbpf_print);
	if (geteuid() != 0)
		return fail(EXIT_PERMISSION, "BPF tracing needs root (CAP_BPF and CAP_PERFMON)");
	btf = vmlinux_btf();
	if (!btf)
		return fail(EXIT_NO_MODULE, "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF): "
			    "the CO-RE programs cannot load");
	/* without vmemmap_base the struct page array is at its fixed place; a guess would give wrong PFNs */
	err = kallsyms_address("vmemmap_base", &vmemmap);
	if (err && err != -ENOENT)
		return fail(EXIT_PERMISSION, "cannot read /proc/kallsyms (%s): cannot turn pages into PFNs",
			    strerror(-err));
	if (!err && vmemmap == 0)
		return fail(EXIT_PERMISSION, "/proc/kallsyms hides addresses (kernel.kptr_restrict): cannot turn pages "
			    "into PFNs");
	want = kernel_offer(btf, req, present);
	if (!want)
		return fail(EXIT_NO_MODULE, "nothing left to trace on this kernel");
	rc = session_load(s, req, want, present, req->attach < 0 ? ATTACH_AUTO : (enum attach_mode)req->attach,
			  vmemmap);
	if (rc == EXIT_FAILURE_ && req->attach < 0) {
		fprintf(stderr, "%s: falling back to kprobes\n", prog);
		rc = session_load(s, req, want, present, ATTACH_KPROBE, vmemmap);
	}
	return rc;
}

/* What was lost, by cause: every loss the kernel or the programs know of. */
struct losses {
	uint64_t ring_full;	/* the ring buffer had no room (the reader fell behind) */
	uint64_t unpaired;	/* a move's kprobe and kretprobe did not pair up */
	uint64_t skipped;	/* program runs the kernel skipped: one already running on that CPU */
	uint64_t no_context;	/* a task's context could not be stored (task storage: no memory, or busy) */
};

static uint64_t losses_total(const struct losses *l)
{
	return l->ring_full + l->unpaired + l->skipped + l->no_context;
}

/* Runs of the program behind @prog_fd that the kernel skipped (bpf_prog_info.recursion_misses). */
static uint64_t prog_skipped(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.recursion_misses;
}

static void losses_print(const struct losses *l, FILE *out)
{
	fprintf(out, "%llu lost (ring buffer full %llu, unpaired kprobes %llu, program runs skipped %llu, "
		"no task context %llu)", (unsigned long long)losses_total(l), (unsigned long long)l->ring_full,
		(unsigned long long)l->unpaired, (unsigned long long)l->skipped, (unsigned long long)l->no_context);
}

static void losses_write_json(struct json *j, const struct losses *l)
{
	json_key(j, "lost");
	json_uint(j, losses_total(l));
	json_key(j, "lost_by_cause");
	json_start_object(j);
	json_key(j, "ring_buffer_full");
	json_uint(j, l->ring_full);
	json_key(j, "unpaired_kprobes");
	json_uint(j, l->unpaired);
	json_key(j, "program_runs_skipped");
	json_uint(j, l->skipped);
	json_key(j, "no_task_context");
	json_uint(j, l->no_context);
	json_end_object(j);
}

static uint64_t stat_sum(int stats_fd, uint32_t stat)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *v;

	if (ncpu <= 0)
		return 0;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(stats_fd, &stat, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* ---- event output ---- */

/* The names of one of the kernel's enums, from its BTF, looked up once (a BTF search is linear in its types). */
struct enum_names {
	const char *type;
	bool loaded;
	char name[32][24];	/* by value; "" unknown */
};

static struct enum_names migrate_reasons = { .type = "migrate_reason" };
static struct enum_names migrate_modes = { .type = "migrate_mode" };

/* MR_SYSCALL -> "syscall", MIGRATE_SYNC -> "sync": the kernel's name without its prefix, in lower case. */
static const char *kernel_enum_name(struct enum_names *names, uint32_t value, char *buf, size_t len)
{
	struct btf *btf = vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	const char *us;
	int id;

	if (!names->loaded && btf && (id = btf__find_by_name_kind(btf, names->type, BTF_KIND_ENUM)) > 0) {
		t = btf__type_by_id(btf, id);
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *name = btf__name_by_offset(btf, e->name_off);
			char *n;

			if (e->val < 0 || e->val >= 32)
				continue;
			us = strchr(name, '_');
			n = names->name[e->val];
			snprintf(n, sizeof(names->name[0]), "%s", us ? us + 1 : name);
			for (; *n; n++)
				*n = (char)(*n >= 'A' && *n <= 'Z' ? *n - 'A' + 'a' : *n);
		}
	}
	names->loaded = true;
	if (value == RMP_REASON_UNKNOWN)
		return "?";
	if (value < 32 && names->name[value][0])
		return names->name[value];
	snprintf(buf, len, "%u", value);
	return buf;
}

static const char *event_name(const struct rmp_event *e)
{
	return e->type >= RMP_EV_MIGRATE && e->type <= RMP_EV_ZAP ? event_kinds[e->type - 1] : "?";
}

static const char *unmap_reason(uint32_t reason)
{
	static const char *const names[] = {
		[RMP_WHY_NONE] = "none", [RMP_WHY_RECLAIM] = "reclaim", [RMP_WHY_MIGRATION] = "migration",
		[RMP_WHY_MEMORY_FAILURE] = "memory-failure", [RMP_WHY_SPLIT] = "split",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}

static void event_print(const struct rmp_event *e, FILE *out)
{
	char mode[32], why[32];

	fprintf(out, "%llu.%06llu %-7s pfn 0x%llx", (unsigned long long)(e->ts_ns / 1000000000),
		(unsigned long long)(e->ts_ns % 1000000000 / 1000), event_name(e), (unsigned long long)e->pfn);
	if (e->type == RMP_EV_MIGRATE) {
		fprintf(out, " -> 0x%llx order %u reason %s mode %s %s\n", (unsigned long long)e->dst_pfn,
			e->order, kernel_enum_name(&migrate_reasons, e->reason, why, sizeof(why)),
			kernel_enum_name(&migrate_modes, e->mode, mode, sizeof(mode)),
			e->ok ? "moved" : "failed (contents stayed)");
		return;
	}
	if (e->nr_pages > 1)
		fprintf(out, "+%u", e->nr_pages);
	fprintf(out, " pid %u (%.*s)", e->pid, RMP_COMM_LEN, e->comm);
	if (e->addr)
		fprintf(out, " addr 0x%llx", (unsigned long long)e->addr);
	else
		fprintf(out, " addr ?");
	fprintf(out, " %s", e->level == RMP_LEVEL_PMD ? "pmd" : "pte");
	if (e->type == RMP_EV_UNMAP)
		fprintf(out, " reason %s", unmap_reason(e->reason));
	fprintf(out, "\n");
}

static void event_write_json(struct json *j, const struct rmp_event *e)
{
	char buf[32], comm[RMP_COMM_LEN + 1];

	json_start_object(j);
	json_key(j, "time_ns");
	json_uint(j, e->ts_ns);
	json_key(j, "event");
	json_string(j, event_name(e));
	json_key(j, "pfn");
	json_uint(j, e->pfn);
	json_key(j, "nr_pages");
	json_uint(j, e->nr_pages);
	json_key(j, "order");
	json_uint(j, e->order);
	if (e->type == RMP_EV_MIGRATE) {
		json_key(j, "dst_pfn");
		json_uint(j, e->dst_pfn);
		json_key(j, "moved");
		json_bool(j, e->ok);
		json_key(j, "reason");
		json_string(j, kernel_enum_name(&migrate_reasons, e->reason, buf, sizeof(buf)));
		json_key(j, "mode");
		json_string(j, kernel_enum_name(&migrate_modes, e->mode, buf, sizeof(buf)));
	} else {
		snprintf(comm, sizeof(comm), "%.*s", RMP_COMM_LEN, e->comm);
		json_key(j, "pid");
		json_uint(j, e->pid);
		json_key(j, "comm");
		json_string(j, comm);
		json_key(j, "addr");
		if (e->addr)
			json_hex(j, e->addr);
		else
			json_null(j);	/* unknown */
		json_key(j, "level");
		json_string(j, e->level == RMP_LEVEL_PMD ? "pmd" : "pte");
		if (e->type == RMP_EV_UNMAP) {
			json_key(j, "reason");
			json_string(j, unmap_reason(e->reason));
		}
	}
	json_end_object(j);
}

/* ---- rmapctl trace ---- */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct trace_state {
	bool json;
	uint64_t count[RMP_EV_ZAP + 1];
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct trace_state *st = ctx;
	const struct rmp_event *e = data;
	struct json j;

	if (len < sizeof(*e) || e->type < RMP_EV_MIGRATE || e->type > RMP_EV_ZAP)
		return 0;
	st->count[e->type]++;
	if (st->json) {
		json_init(&j, stdout);
		event_write_json(&j, e);
	} else {
		event_print(e, stdout);
	}
	return 0;
}

static int parse_attach(const char *arg, int *attach)
{
	if (!strcmp(arg, "auto"))
		*attach = -1;
	else if (!strcmp(arg, "fentry"))
		*attach = ATTACH_FENTRY;
	else if (!strcmp(arg, "kprobe"))
		*attach = ATTACH_KPROBE;
	else
		return -1;
	return 0;
}

static void usage_trace(FILE *out)
{
	fprintf(out, "usage: %s trace [--pfn PFN|--pid PID] [--events migrate,unmap,zap] [--duration S] "
		     "[--json-lines] [--attach auto|fentry|kprobe] [--buffer MIB] [-v]\n"
		     "  stream unmap and migration events until Ctrl-C, SIGTERM or the duration ends;\n"
		     "  default events: migrate,unmap (zap, every munmap/MADV_DONTNEED/exit, is noisy);\n"
		     "  attach: fentry/fexit, or kprobes where the kernel has no BPF trampolines (auto);\n"
		     "  buffer: the ring buffer's size in MiB, a power of two (default %d): more rides out bursts\n",
		prog, RMP_RINGBUF_BYTES >> 20);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pfn", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "events", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json-lines", no_argument, NULL, 'j' },
		{ "attach", required_argument, NULL, 'a' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct request req = { .want = WANT_MIGRATE | WANT_UNMAP, .ringbuf = true, .attach = -1 };
	struct trace_state st = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ring_buffer *rb;
	struct session s;
	struct timespec t0, now;
	struct losses lost = { 0 };
	uint64_t pid = 0, duration = 0, mib;
	const char *why;
	int c, rc, err = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pfn(optarg, &req.pfn, &why))
				return fail(EXIT_USAGE, "bad PFN '%s': %s", optarg, why);
			req.by_pfn = true;
			break;
		case 'P':
			if (parse_uint(optarg, 0x7fffffff, &pid) || !pid)
				return fail(EXIT_USAGE, "bad pid '%s'", optarg);
			break;
		case 'e':
			if (parse_events(optarg, &req.want))
				return fail(EXIT_USAGE, "bad event list '%s': a comma-separated list of migrate, unmap, zap",
					    optarg);
			break;
		case 'a':
			if (parse_attach(optarg, &req.attach))
				return fail(EXIT_USAGE, "bad attach mode '%s': auto, fentry or kprobe", optarg);
			break;
		case 'd':
			if (parse_uint(optarg, 86400 * 365, &duration) || !duration)
				return fail(EXIT_USAGE, "bad duration '%s': whole seconds, at least 1", optarg);
			break;
		case 'j':
			st.json = true;
			break;
		case 'b':
			if (parse_uint(optarg, 1024, &mib) || !mib || (mib & (mib - 1)))
				return fail(EXIT_USAGE, "bad buffer size '%s': MiB, a power of two from 1 to 1024", optarg);
			req.ring_mib = (uint32_t)mib;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage_trace(stdout);
			return EXIT_OK;
		default:
			usage_trace(stderr);
			return EXIT_USAGE;
		}
	}
	if (req.by_pfn && pid)
		return fail(EXIT_USAGE, "--pfn and --pid exclude each other");
	if (optind != argc)
		return fail_usage(usage_trace);
	req.pid = (uint32_t)pid;
	rc = session_open(&s, &req);
	if (rc)
		return rc;
	rb = ring_buffer__new(bpf_map__fd(s.skel->maps.events), on_event, &st, NULL);
	if (!rb) {
		err = errno;
		session_close(&s);
		return fail(EXIT_FAILURE_, "cannot read the ring buffer: %s", strerror(err));
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* one write per batch of events, not per line: at a million events a minute, the reader must keep up */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);	/* one thread writes it: no lock per character */
	fprintf(stderr, "%s: tracing %s; Ctrl-C ends\n", prog, events_list(s.want));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stopping) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		if (err > 0)
			fflush(stdout);
		err = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (duration && (uint64_t)(now.tv_sec - t0.tv_sec) >= duration)
			break;
	}
	/* detach first, then drain: nothing arrives after the last read */
	for (size_t i = 0; i < NR_HOOKS; i++) {
		if (s.links[i])
			lost.skipped += prog_skipped(bpf_program__fd(hook_prog(s.skel, &hooks[i], s.link_mode[i])));
		bpf_link__destroy(s.links[i]);
		s.links[i] = NULL;
	}
	if (!err)
		ring_buffer__consume(rb);
	fflush(stdout);
	lost.ring_full = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_LOST);
	lost.unpaired = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_UNPAIRED);
	lost.no_context = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_NO_CONTEXT);
	ring_buffer__free(rb);
	session_close(&s);
	if (st.json) {
		/* the stream's last document: what was seen and lost, for a script that reads only stdout */
		struct json j;

		json_init(&j, stdout);
		json_start_object(&j);
		json_key(&j, "summary");
		json_start_object(&j);
		json_key(&j, "events");
		json_uint(&j, st.count[RMP_EV_MIGRATE] + st.count[RMP_EV_UNMAP] + st.count[RMP_EV_ZAP]);
		for (int t = RMP_EV_MIGRATE; t <= RMP_EV_ZAP; t++) {
			json_key(&j, event_kinds[t - 1]);
			json_uint(&j, st.count[t]);
		}
		losses_write_json(&j, &lost);
		json_end_object(&j);
		json_end_object(&j);
	}
	fflush(stdout);
	fprintf(stderr, "%s: %llu events (migrate %llu, unmap %llu, zap %llu), ", prog,
		(unsigned long long)(st.count[RMP_EV_MIGRATE] + st.count[RMP_EV_UNMAP] + st.count[RMP_EV_ZAP]),
		(unsigned long long)st.count[RMP_EV_MIGRATE], (unsigned long long)st.count[RMP_EV_UNMAP],
		(unsigned long long)st.count[RMP_EV_ZAP]);
	losses_print(&lost, stderr);
	fputc('\n', stderr);
	if (err < 0)
		return fail(EXIT_FAILURE_, "reading events failed: %s", strerror(-err));
	return EXIT_OK;
}

/* ---- rmapctl record ---- */

static int ensure_bpffs(void)
{
	struct statfs fs;

	if (!statfs(BPFFS, &fs) && fs.f_type == BPF_FS_MAGIC_)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, NULL))
		return fail(errno == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_,
			    "no bpffs on %s and mounting one failed: %s", BPFFS, strerror(errno));
	return 0;
}

#define LINK_PREFIX "link_"
/*
 * record start pins into BPFFS/STARTING_PREFIX<pid>, then renames it to PIN_DIR: a recorder is whole or absent.
 * (No dot in it: bpffs refuses names with one, bpf_lookup().)
 */
#define STARTING_PREFIX "rmap_probe-starting-"

/* Remove every pin in @dir, and @dir: the programs detach when their last link reference goes. */
static int remove_pins(const char *dir_path)
{
	char path[512];
	struct dirent *d;
	DIR *dir = opendir(dir_path);

	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir_path, d->d_name);
			unlink(path);
		}
	closedir(dir);
	return rmdir(dir_path) ? -errno : 0;
}

/* What a start killed half-way (SIGKILL, a crash) left: a starting directory whose process is gone. */
static void remove_stale_starts(void)
{
	char path[512], proc[64];
	struct dirent *d;
	DIR *dir = opendir(BPFFS);

	while (dir && (d = readdir(dir))) {
		if (strncmp(d->d_name, STARTING_PREFIX, strlen(STARTING_PREFIX)))
			continue;
		snprintf(proc, sizeof(proc), "/proc/%s", d->d_name + strlen(STARTING_PREFIX));
		if (access(proc, F_OK) == 0)
			continue;	/* a start in progress */
		snprintf(path, sizeof(path), BPFFS "/%s", d->d_name);
		remove_pins(path);
	}
	if (dir)
		closedir(dir);
}

static int record_stop(void)
{
	int err;

	if (geteuid())
		return fail(EXIT_PERMISSION, "record stop needs root");
	remove_stale_starts();
	err = remove_pins(PIN_DIR);
	if (err == -ENOENT) {
		/* nothing to stop is what was asked for (as systemctl stop): say so, and succeed */
		printf("flight recorder: not running\n");
		return EXIT_OK;
	}
	if (err)
		return fail(EXIT_FAILURE_, "%s: %s", PIN_DIR, strerror(-err));
	printf("flight recorder stopped\n");
	return EXIT_OK;
}

/* Pin the session's maps and links into @dir, named by what they hook (status and stop need no table). */
static int pin_session(struct session *s, const char *dir)
{
	char path[512];
	int err;

	if (mkdir(dir, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/history", dir);
	err = bpf_map__pin(s->skel->maps.history, path);
	snprintf(path, sizeof(path), "%s/stats", dir);
	if (!err)
		err = bpf_map__pin(s->skel->maps.stats, path);
	for (size_t i = 0; i < NR_HOOKS && !err; i++) {
		if (!s->links[i])
			continue;
		snprintf(path, sizeof(path), "%s/" LINK_PREFIX "%s:%s", dir, hook_kind(&hooks[i], s->link_mode[i]),
			 hooks[i].target);
		err = bpf_link__pin(s->links[i], path);
	}
	return err;
}

/*
 * Start the recorder atomically: everything is pinned in a directory of its own and renamed into place, with
 * the signals that end rmapctl blocked meanwhile, so that status never sees half a recorder and a failure
 * leaves nothing behind. (A SIGKILL leaves the starting directory, removed by the next start or stop.)
 */
static int record_start(const struct request *req)
{
	char tmp[256];
	struct session s;
	sigset_t block, old;
	int rc, err;

	rc = ensure_bpffs();
	if (rc)
		return rc;
	remove_stale_starts();
	if (access(PIN_DIR, F_OK) == 0)
		return fail(EXIT_FAILURE_, "the flight recorder is already running (rmapctl record stop)");
	rc = session_open(&s, req);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), BPFFS "/" STARTING_PREFIX "%d", (int)getpid());
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	err = pin_session(&s, tmp);
	if (!err && renameat2(AT_FDCWD, tmp, AT_FDCWD, PIN_DIR, RENAME_NOREPLACE))
		err = -errno;
	if (err)
		remove_pins(tmp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err) {
		session_close(&s);
		return fail(EXIT_FAILURE_, "pinning the flight recorder in %s failed: %s%s", PIN_DIR, strerror(-err),
			    err == -EEXIST || err == -ENOTEMPTY ? " (another start won the race)" : "");
	}
	printf("flight recorder started: %s, last %d events of up to %u PFNs, pinned in %s\n",
	       events_list(s.want), RMP_HISTORY_DEPTH,
	       bpf_map__max_entries(s.skel->maps.history), PIN_DIR);
	session_close(&s);	/* the pins keep it all alive */
	return EXIT_OK;
}

/*
 * Open a map the flight recorder pinned and check that it is laid out as this rmapctl reads it: a recorder
 * started by another version (a deeper history, another key) would otherwise be read past our structs. An
 * exit code; *@fd on success.
 */
static int open_pinned_map(const char *path, uint32_t type, uint32_t key_size, uint32_t value_size, int *fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int err;

	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		err = errno;
		if (err == ENOENT)
			return fail(EXIT_FAILURE_, "the flight recorder is not running (rmapctl record start)");
		return fail(err == EACCES || err == EPERM ? EXIT_PERMISSION : EXIT_FAILURE_, "%s: %s", path,
			    strerror(err));
	}
	if (bpf_obj_get_info_by_fd(*fd, &info, &len)) {
		err = errno;
		close(*fd);
		return fail(EXIT_FAILURE_, "%s: %s", path, strerror(err));
	}
	if (info.type != type || info.key_size != key_size || info.value_size != value_size) {
		close(*fd);
		return fail(EXIT_FAILURE_, "%s was made by another rmapctl version (map type %u, key %u bytes, value "
			    "%u bytes; this rmapctl reads type %u, %u and %u): rmapctl record stop, then record start",
			    path, info.type, info.key_size, info.value_size, type, key_size, value_size);
	}
	return EXIT_OK;
}

static int open_history(int *fd)
{
	return open_pinned_map(PIN_HISTORY, BPF_MAP_TYPE_LRU_HASH, sizeof(uint64_t), sizeof(struct rmp_history), fd);
}

static int open_stats(int *fd)
{
	return open_pinned_map(PIN_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(uint64_t), fd);
}

/* The stats map, for a remark: no message when it cannot be read (an older recorder has no such count). */
static int open_stats_quiet(int *fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	*fd = bpf_obj_get(PIN_STATS);
	if (*fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(*fd, &info, &len) || info.key_size != sizeof(uint32_t) ||
	    info.value_size != sizeof(uint64_t) || info.max_entries <= RMP_STAT_INSERTED) {
		close(*fd);
		return -1;
	}
	return 0;
}

/* The kernel's own account of an object's locked memory, from its fdinfo. */
static uint64_t fd_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

#define MAX_MAPS 32

/*
 * Add the memory of the program behind link @lfd to *@prog_mem, its skipped runs to *@skipped, and its maps'
 * ids to @map_ids (no repeats).
 */
static void link_memory(int lfd, uint32_t *map_ids, uint32_t *nmaps, uint64_t *prog_mem, uint64_t *skipped)
{
	struct bpf_link_info li = { 0 };
	struct bpf_prog_info pi = { 0 };
	uint32_t len = sizeof(li), ids[MAX_MAPS];
	int pfd;

	if (bpf_obj_get_info_by_fd(lfd, &li, &len))
		return;
	pfd = bpf_prog_get_fd_by_id(li.prog_id);
	if (pfd < 0)
		return;
	*prog_mem += fd_memlock(pfd);
	*skipped += prog_skipped(pfd);
	pi.nr_map_ids = MAX_MAPS;
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	len = sizeof(pi);
	if (!bpf_obj_get_info_by_fd(pfd, &pi, &len)) {
		for (uint32_t i = 0; i < pi.nr_map_ids && i < MAX_MAPS; i++) {
			uint32_t k = 0;

			while (k < *nmaps && map_ids[k] != ids[i])
				k++;
			if (k == *nmaps && *nmaps < MAX_MAPS)
				map_ids[(*nmaps)++] = ids[i];
		}
	}
	close(pfd);
}

static int record_status(void)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), map_ids[MAX_MAPS], nmaps = 0;
	uint64_t key, next, used = 0, history_mem, map_mem = 0, prog_mem = 0, skipped = 0, inserted;
	char path[512];
	struct dirent *d;
	DIR *dir;
	int fd, stats_fd, nprogs = 0, rc;

	if (access(PIN_DIR, F_OK)) {
		printf("flight recorder: stopped\n");
		return EXIT_OK;
	}
	rc = open_history(&fd);
	if (rc)
		return rc;
	rc = open_stats(&stats_fd);
	if (rc) {
		close(fd);
		return rc;
	}
	bpf_obj_get_info_by_fd(fd, &info, &len);
	for (int err = bpf_map_get_next_key(fd, NULL, &next); !err; err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		used++;
	}
	history_mem = fd_memlock(fd);
	printf("flight recorder: running, pinned in %s\n", PIN_DIR);
	dir = opendir(PIN_DIR);
	while (dir && (d = readdir(dir))) {
		int lfd;

		if (strncmp(d->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		snprintf(path, sizeof(path), PIN_DIR "/%s", d->d_name);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			continue;
		nprogs++;
		printf("  %s\n", d->d_name + strlen(LINK_PREFIX));
		link_memory(lfd, map_ids, &nmaps, &prog_mem, &skipped);
		close(lfd);
	}
	if (dir)
		closedir(dir);
	for (uint32_t i = 0; i < nmaps; i++) {
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);

		if (mfd >= 0) {
			map_mem += fd_memlock(mfd);
			close(mfd);
		}
	}
	printf("  PFNs remembered: %llu of %u, up to %d events each\n", (unsigned long long)used,
	       info.max_entries, RMP_HISTORY_DEPTH);
	inserted = stat_sum(stats_fd, RMP_STAT_INSERTED);
	printf("  events recorded: %llu; PFNs added %llu, evicted %llu (the least recently touched), refused %llu\n",
	       (unsigned long long)stat_sum(stats_fd, RMP_STAT_RECORDED), (unsigned long long)inserted,
	       (unsigned long long)(inserted > used ? inserted - used : 0),
	       (unsigned long long)stat_sum(stats_fd, RMP_STAT_NO_ROOM));
	printf("  events lost: unpaired kprobes %llu, program runs skipped %llu, no task context %llu\n",
	       (unsigned long long)stat_sum(stats_fd, RMP_STAT_UNPAIRED), (unsigned long long)skipped,
	       (unsigned long long)stat_sum(stats_fd, RMP_STAT_NO_CONTEXT));
	printf("  memory: %llu KiB: %u maps %llu KiB (the history map %llu KiB), %d programs %llu KiB "
	       "(the kernel's memlock accounting)\n", (unsigned long long)(map_mem + prog_mem) / 1024, nmaps,
	       (unsigned long long)map_mem / 1024, (unsigned long long)history_mem / 1024, nprogs,
	       (unsigned long long)prog_mem / 1024);
	close(fd);
	close(stats_fd);
	return EXIT_OK;
}

static void usage_record(FILE *out)
{
	fprintf(out, "usage: %s record start [--events migrate,unmap,zap] [--entries N] [--attach auto|fentry|kprobe] "
		     "[-v]\n"
		     "       %s record stop|status\n"
		     "  a flight recorder: the programs stay attached with no process running, pinned in %s,\n"
		     "  and keep the last %d events of up to N PFNs (default %d, about %d bytes each);\n"
		     "  rmapctl pfn PFN --history reads it\n",
		prog, prog, PIN_DIR, RMP_HISTORY_DEPTH, RMP_HISTORY_ENTRIES, (int)sizeof(struct rmp_history) + 64);
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "attach", required_argument, NULL, 'a' },
		{ "entries", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct request req = { .want = WANT_MIGRATE | WANT_UNMAP, .history = true, .attach = -1,
			       .entries = RMP_HISTORY_ENTRIES };
	bool options = false;
	const char *sub;
	uint64_t entries;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		options = true;
		if (c == 'e' && !parse_events(optarg, &req.want))
			continue;
		if (c == 'a' && !parse_attach(optarg, &req.attach))
			continue;
		if (c == 'n' && !parse_uint(optarg, 1U << 24, &entries) && entries >= 64) {
			req.entries = (uint32_t)entries;
			continue;
		}
		if (c == 'v') {
			verbose++;
			continue;
		}
		if (c == 'h') {
			usage_record(stdout);
			return EXIT_OK;
		}
		if (c == 'e' || c == 'a' || c == 'n')
			return fail(EXIT_USAGE, "bad %s '%s'", c == 'e' ? "event list" : c == 'a' ? "attach mode" :
				    "entry count (64 to 16777216)", optarg);
		return fail_usage(usage_record);
	}
	if (optind != argc - 1)
		return fail_usage(usage_record);
	sub = argv[optind];
	if (!strcmp(sub, "start"))
		return record_start(&req);
	if (options)
		return fail(EXIT_USAGE, "record %s takes no options", sub);
	if (!strcmp(sub, "stop"))
		return record_stop();
	if (!strcmp(sub, "status"))
		return record_status();
	return fail_usage(usage_record);
}

/* ---- history ---- */

static int map_lookup(void *ctx, uint64_t pfn, struct rmp_history *h)
{
	return bpf_map_lookup_elem(*(int *)ctx, &pfn, h);
}

struct history_out {
	struct json *j;
	size_t n;
};

static void history_emit(void *arg, const struct rmp_event *e)
{
	struct history_out *out = arg;

	out->n++;
	if (out->j) {
		event_write_json(out->j, e);
	} else {
		printf("  ");
		event_print(e, stdout);
	}
}

/* PFNs whose history the recorder has evicted (its LRU map full): added less held. */
static uint64_t history_evicted(int history_fd)
{
	uint64_t key, next, held = 0, inserted;
	int stats_fd;

	if (open_stats_quiet(&stats_fd))
		return 0;
	inserted = stat_sum(stats_fd, RMP_STAT_INSERTED);
	close(stats_fd);
	for (int err = bpf_map_get_next_key(history_fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(history_fd, &key, &next)) {
		key = next;
		held++;
	}
	return inserted > held ? inserted - held : 0;
}

int history_print(uint64_t pfn, struct json *j, uint64_t *now_pfn)
{
	struct history_out out = { .j = j };
	struct history_source src = { .lookup = map_lookup };
	uint64_t evicted;
	int fd, rc;

	*now_pfn = pfn;
	rc = open_history(&fd);
	if (rc)
		return rc;
	src.ctx = &fd;
	if (j) {
		json_key(j, "history");
		json_start_array(j);
	} else {
		printf("history of pfn 0x%llx (flight recorder):\n", (unsigned long long)pfn);
	}
	*now_pfn = history_follow(&src, pfn, history_emit, &out);
	evicted = history_evicted(fd);
	close(fd);
	if (j) {
		json_end_array(j);
		json_key(j, "now_pfn");
		json_uint(j, *now_pfn);
		/* older events of any PFN may be gone once the recorder has evicted some */
		json_key(j, "recorder_evicted_pfns");
		json_uint(j, evicted);
		return EXIT_OK;
	}
	if (!out.n && evicted)
		printf("  nothing recorded now: the recorder has evicted the history of %llu PFNs (the least recently "
		       "touched; rmapctl record start --entries N keeps more), older events may be gone\n",
		       (unsigned long long)evicted);
	else if (!out.n)
		printf("  nothing recorded\n");
	else if (*now_pfn != pfn)
		printf("contents now at pfn 0x%llx\n", (unsigned long long)*now_pfn);
	return EXIT_OK;
}
