// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and attaching the programs of bpf/ (one skeleton): each hook's attach point chosen from the running
 * kernel's BTF, fentry or kprobe hook by hook, and what a session lost.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "rmapctl.h"
#include "session.h"

const char *const event_kinds[NR_KINDS] = { "migrate", "unmap", "zap", "pin" };	/* by type - 1 */
int trace_verbose;

/*
 * Every hook, what it serves and its program in each attach mode. Each is loaded only where the running
 * kernel's BTF has its function or tracepoint; hooks that share an alternative number stand in for each other
 * (one is enough), OPTIONAL ones make the events better where they exist, the others are all needed by the
 * events they serve.
 */
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
	bool emits;		/* its runs are events: one the kernel skipped is an event lost (as fexit: a
				   skipped kretprobe is counted as unpaired by the next kprobe) */
	size_t fentry;		/* the program with BPF trampolines (fentry/fexit); NO_PROG: not needed there */
	size_t kprobe;		/* the program without them (kprobe/kretprobe); NO_PROG: not needed there */
	unsigned int serves;	/* WANT_* */
	int alternative;
	const char *role;
} hooks[] = {
	{ "mm_migrate_pages_start", true, false, false, PROG(migrate_start), PROG(migrate_start), WANT_MIGRATE, 0,
	  "migration reason" },
	{ "mm_migrate_pages", true, false, false, PROG(migrate_end), PROG(migrate_end), WANT_MIGRATE, 0,
	  "end of a migration run" },
	{ "move_to_new_folio", false, false, false, NO_PROG, PROG(move_to_new_folio), WANT_MIGRATE, 0,
	  "source and destination folio" },
	{ "move_to_new_folio", false, true, true, PROG(fexit_move_to_new_folio), PROG(move_to_new_folio_ret),
	  WANT_MIGRATE, 0, "moved or failed" },
	/* without the reason they leave, an unmap would pass for a zap: zaps need both too */
	{ "try_to_unmap_one", false, false, false, PROG(fentry_try_to_unmap_one), PROG(try_to_unmap_one),
	  WANT_UNMAP | WANT_ZAP, 0, "unmap: reclaim, memory failure, split" },
	{ "try_to_migrate_one", false, false, false, PROG(fentry_try_to_migrate_one), PROG(try_to_migrate_one),
	  WANT_UNMAP | WANT_ZAP, 0, "unmap: migration" },
	{ "try_to_unmap_one", false, true, false, PROG(fexit_try_to_unmap_one), PROG(try_to_unmap_one_ret),
	  WANT_UNMAP | WANT_ZAP, OPTIONAL, "end of an unmap step" },
	{ "try_to_migrate_one", false, true, false, PROG(fexit_try_to_migrate_one), PROG(try_to_migrate_one_ret),
	  WANT_UNMAP | WANT_ZAP, OPTIONAL, "end of a migration's unmap step" },
	{ "page_remove_rmap", false, false, true, PROG(fentry_page_remove_rmap), PROG(page_remove_rmap),
	  WANT_UNMAP | WANT_ZAP, 2, "rmap removal, until 6.6" },
	{ "folio_remove_rmap_ptes", false, false, true, PROG(fentry_folio_remove_rmap_ptes),
	  PROG(folio_remove_rmap_ptes), WANT_UNMAP | WANT_ZAP, 2, "rmap removal of PTEs, 6.6+" },
	{ "folio_remove_rmap_pmd", false, false, true, PROG(fentry_folio_remove_rmap_pmd), PROG(folio_remove_rmap_pmd),
	  WANT_UNMAP | WANT_ZAP, 2, "rmap removal of a PMD, 6.6+" },
	{ "mm_update_next_owner", false, false, false, PROG(fentry_mm_update_next_owner), PROG(mm_update_next_owner),
	  WANT_UNMAP | WANT_ZAP, OPTIONAL, "the process an exited mm belonged to" },
	/* pins: fexit reads the pages array and the count together (bpf_get_func_arg/ret); no kretprobe can */
	{ "pin_user_pages", false, true, true, PROG(fexit_pin_user_pages), NO_PROG, WANT_PIN, 3,
	  "pins: pin_user_pages()" },
	{ "pin_user_pages_fast", false, true, true, PROG(fexit_pin_user_pages_fast), NO_PROG, WANT_PIN, 3,
	  "pins: pin_user_pages_fast() (io_uring, RDMA, O_DIRECT)" },
	{ "pin_user_pages_unlocked", false, true, true, PROG(fexit_pin_user_pages_unlocked), NO_PROG, WANT_PIN,
	  OPTIONAL, "pins: pin_user_pages_unlocked()" },
	{ "pin_user_pages_remote", false, true, true, PROG(fexit_pin_user_pages_remote), NO_PROG, WANT_PIN,
	  OPTIONAL, "pins: pin_user_pages_remote() (vfio)" },
	{ "memfd_pin_folios", false, true, true, PROG(fexit_memfd_pin_folios), NO_PROG, WANT_PIN, OPTIONAL,
	  "pins: memfd_pin_folios() (udmabuf, iommufd), 6.12+" },
	{ "unpin_user_page", false, false, true, PROG(fentry_unpin_user_page), NO_PROG, WANT_PIN, 4,
	  "unpins: one page" },
	{ "unpin_user_pages", false, false, true, PROG(fentry_unpin_user_pages), NO_PROG, WANT_PIN, OPTIONAL,
	  "unpins: an array of pages" },
	{ "unpin_user_pages_dirty_lock", false, false, true, PROG(fentry_unpin_user_pages_dirty_lock), NO_PROG,
	  WANT_PIN, OPTIONAL, "unpins: an array of pages, dirtied" },
	{ "unpin_user_page_range_dirty_lock", false, false, true, PROG(fentry_unpin_user_page_range_dirty_lock),
	  NO_PROG, WANT_PIN, OPTIONAL, "unpins: a range of pages" },
	{ "unpin_user_folio", false, false, true, PROG(fentry_unpin_user_folio), NO_PROG, WANT_PIN, OPTIONAL,
	  "unpins: a folio's pages, 6.12+" },
	{ "unpin_folio", false, false, true, PROG(fentry_unpin_folio), NO_PROG, WANT_PIN, OPTIONAL,
	  "unpins: one folio, 6.12+" },
	{ "unpin_folios", false, false, true, PROG(fentry_unpin_folios), NO_PROG, WANT_PIN, OPTIONAL,
	  "unpins: an array of folios, 6.12+" },
};
#define NR_HOOKS (sizeof(hooks) / sizeof(hooks[0]))
_Static_assert(NR_HOOKS <= SESSION_MAX_HOOKS, "struct session has no room for every hook");

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
	if (trace_verbose < (level == LIBBPF_WARN ? 1 : 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct btf *vmlinux_btf(void)
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

int parse_events(const char *list, unsigned int *want)
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
const char *events_list(unsigned int want)
{
	static char buf[32];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < NR_KINDS; k++)
		if (want & (1U << k))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", event_kinds[k]);
	return buf;
}

void session_close(struct session *s)
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
			if (trace_verbose)
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

static uint32_t foll_longterm(void);

/*
 * This kernel's FOLL_LONGTERM: an enumerator of an anonymous enum in its BTF from 6.3 on (include/linux/
 * mm_types.h), a #define before, 0x10000 on 6.1.
 */
uint32_t kernel_foll_longterm(void)
{
	static uint32_t value;

	if (!value)
		value = foll_longterm();
	return value;
}

static uint32_t foll_longterm(void)
{
	struct btf *btf = vmlinux_btf();
	uint32_t n = btf ? btf__type_cnt(btf) : 0;

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t) || t->name_off)
			continue;
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), "FOLL_LONGTERM"))
				return (uint32_t)e->val;
	}
	return 0x10000;
}

/* Load the programs @mode needs and attach them; an rmapctl exit code, and the session closed on failure. */
static int session_load(struct session *s, const struct request *req, unsigned int want, const bool *present,
			enum attach_mode mode, uint64_t vmemmap)
{
	struct rmp_config cfg = {
		.filter_pfn = req->pfn, .vmemmap_base_addr = vmemmap, .filter_pid = req->pid,
		.filter_by_pfn = req->by_pfn, .want_ringbuf = req->ringbuf, .want_history = req->history,
		.want_unmap = !!(want & WANT_UNMAP), .want_zap = !!(want & WANT_ZAP), .want_stack = req->stack,
		.want_pin = want & WANT_PIN ? (req->pins ? req->pins : RMP_PIN_ALL) : RMP_PIN_NONE,
		.foll_longterm = kernel_foll_longterm(),
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
		if (trace_verbose && !use)
			fprintf(stderr, "%s: skip   %s:%s (%s): %s\n", prog,
				hook_kind(&hooks[i], fentry && mode != ATTACH_KPROBE ? ATTACH_FENTRY : ATTACH_KPROBE),
				hooks[i].target, hooks[i].role,
				present[i] ? "not asked for" : "not in this kernel's BTF");
	}
	if (trace_verbose)
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
			    trace_verbose > 1 ? "" : " (-v shows libbpf's messages, -vv the verifier's log)");
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
	/* a kretprobe whose entry kprobe could not attach would only count every move as lost: detach it */
	for (size_t i = 0; i < NR_HOOKS; i++)
		if (entry_only(&hooks[i]) && !s->links[i] && entry_needed(s, i))
			for (size_t k = 0; k < NR_HOOKS; k++)
				if (hooks[k].on_return && !strcmp(hooks[k].target, hooks[i].target) && s->links[k]) {
					bpf_link__destroy(s->links[k]);
					s->links[k] = NULL;
					errs[k] = errs[i];
				}
	s->want = attached_serve(s, want, errs);
	if (!s->want) {
		session_close(s);
		return fail(EXIT_FAILURE_, "nothing left to trace: no hook could be attached%s",
			    mode == ATTACH_KPROBE && access("/sys/bus/event_source/devices/kprobe", F_OK) ?
			    " (this kernel has no kprobe PMU: CONFIG_KPROBE_EVENTS)" : "");
	}
	if (trace_verbose)
		fprintf(stderr, "%s: %u programs attached\n", prog, attached);
	return EXIT_OK;
}

/*
 * Load the programs @req needs, in the attach mode asked for: by default each hook's fentry/fexit (BPF
 * trampolines), or its kprobe where the kernel refuses that trampoline; and kprobes throughout when the kernel
 * refuses the fentry programs themselves (no trampolines at all), saying so.
 */
/*
 * kprobes attach through perf_event_open(), which a perf_event_paranoid above 2 (Debian's default 3,
 * CONFIG_SECURITY_PERF_EVENTS_RESTRICT) refuses to anyone without CAP_SYS_ADMIN, CAP_PERFMON or not. The
 * paranoid level, or -1 when kprobes are open to this process.
 */
static int kprobes_refused(void)
{
	int level = -1;
	FILE *f;

	if (have_capability(CAP_SYS_ADMIN))
		return -1;
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = -1;
		fclose(f);
	}
	return level > 2 ? level : -1;
}

int session_open(struct session *s, const struct request *req)
{
	enum attach_mode mode = req->attach < 0 ? ATTACH_AUTO : (enum attach_mode)req->attach;
	int paranoid = kprobes_refused();
	bool present[NR_HOOKS];
	uint64_t vmemmap = 0;
	unsigned int want;
	struct btf *btf;
	int rc, err;

	memset(s, 0, sizeof(*s));
	libbpf_set_print(libbpf_print);
	/* what the kernel asks of tracing programs (bpf_capable(), perfmon_capable()), not uid 0 */
	if (!have_capability(CAP_SYS_ADMIN) && !(have_capability(CAP_BPF) && have_capability(CAP_PERFMON)))
		return fail(EXIT_PERMISSION, "BPF tracing needs CAP_BPF and CAP_PERFMON (or root)");
	btf = vmlinux_btf();
	if (!btf)
		return fail(EXIT_NO_TRACING, "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF): "
			    "the CO-RE programs cannot load");
	/* without vmemmap_base the struct page array is at its fixed place; a guess would give wrong PFNs */
	err = kallsyms_address("vmemmap_base", &vmemmap);
	if (err && err != -ENOENT)
		return fail(EXIT_PERMISSION, "cannot read /proc/kallsyms (%s): cannot turn pages into PFNs",
			    strerror(-err));
	if (!err && vmemmap == 0)
		return fail(EXIT_PERMISSION, "/proc/kallsyms hides addresses (kernel.kptr_restrict, or no CAP_SYSLOG): "
			    "cannot turn pages into PFNs");
	want = kernel_offer(btf, req, present);
	if (!want)
		return fail(EXIT_NO_TRACING, "nothing left to trace on this kernel");
	if (paranoid >= 0 && mode == ATTACH_KPROBE)
		return fail(EXIT_PERMISSION, "kprobes need CAP_SYS_ADMIN here (kernel.perf_event_paranoid is %d): "
			    "use --attach fentry, or run as root", paranoid);
	if (paranoid >= 0 && mode == ATTACH_AUTO) {
		mode = ATTACH_FENTRY;	/* a hook without its trampoline is dropped, and said */
		if (trace_verbose)
			fprintf(stderr, "%s: no kprobes without CAP_SYS_ADMIN (kernel.perf_event_paranoid is %d): "
				"fentry only\n", prog, paranoid);
	}
	rc = session_load(s, req, want, present, mode, vmemmap);
	/* the pin programs are the newest: a kernel refusing them keeps the other events */
	if (rc == EXIT_FAILURE_ && (want & WANT_PIN) && (want & ~WANT_PIN) && mode != ATTACH_KPROBE) {
		fprintf(stderr, "%s: trying again without pin events\n", prog);
		want &= ~WANT_PIN;
		rc = session_load(s, req, want, present, mode, vmemmap);
	}
	if (rc == EXIT_FAILURE_ && req->attach < 0 && paranoid < 0) {
		fprintf(stderr, "%s: falling back to kprobes\n", prog);
		rc = session_load(s, req, want, present, ATTACH_KPROBE, vmemmap);
	}
	return rc;
}

uint64_t losses_total(const struct losses *l)
{
	return l->ring_full + l->unpaired + l->skipped;
}

/* Runs of the program behind @prog_fd that the kernel skipped (bpf_prog_info.recursion_misses). */
uint64_t prog_skipped(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.recursion_misses;
}

void losses_print(const struct losses *l, FILE *out)
{
	fprintf(out, "%llu lost (ring buffer full %llu, unpaired kprobes %llu, program runs skipped %llu), %llu "
		"misclassified (no task context)", (unsigned long long)losses_total(l),
		(unsigned long long)l->ring_full, (unsigned long long)l->unpaired, (unsigned long long)l->skipped,
		(unsigned long long)l->no_context);
}

void losses_write_json(struct json *j, const struct losses *l)
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
	json_end_object(j);
	/* not lost: an unmap reported as a zap, a migration without its reason */
	json_key(j, "misclassified_no_task_context");
	json_uint(j, l->no_context);
}

uint64_t stat_sum(int stats_fd, uint32_t stat)
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

int parse_attach(const char *arg, int *attach)
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

/*
 * Detach every hook (nothing arrives after it), adding to @lost the runs the kernel skipped of the programs
 * whose runs are events. Last hooks first: a kretprobe goes before the entry kprobe it needs.
 */
void session_detach(struct session *s, struct losses *lost)
{
	for (size_t i = NR_HOOKS; i-- > 0;) {
		if (s->links[i] && hooks[i].emits && !(hooks[i].on_return && s->link_mode[i] == ATTACH_KPROBE))
			lost->skipped += prog_skipped(bpf_program__fd(hook_prog(s->skel, &hooks[i], s->link_mode[i])));
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
}

const char *session_link_name(const struct session *s, size_t i, char *buf, size_t len)
{
	if (i >= NR_HOOKS || !s->links[i])
		return NULL;
	snprintf(buf, len, "%s:%s", hook_kind(&hooks[i], s->link_mode[i]), hooks[i].target);
	return buf;
}

bool session_link_emits(const char *link_name)
{
	const char *colon = strchr(link_name, ':');
	bool ret;

	if (!colon)
		return false;
	ret = !strncmp(link_name, "fexit:", 6) || !strncmp(link_name, "kretprobe:", 10);
	if (!strncmp(link_name, "kretprobe:", 10))
		return false;	/* its skipped runs are counted as unpaired by the next kprobe */
	for (size_t i = 0; i < NR_HOOKS; i++)
		if (!strcmp(hooks[i].target, colon + 1) && hooks[i].on_return == ret && !entry_only(&hooks[i]))
			return hooks[i].emits;
	return false;
}
