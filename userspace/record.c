// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl record: the flight recorder, the programs of bpf/ left attached with no process running, pinned under
 * bpffs, keeping each PFN's last events in an LRU map; and the reading of it behind `pfn --history`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "history.h"
#include "ksyms.h"
#include "rmapctl.h"
#include "session.h"
#include "trace.h"

#define BPFFS "/sys/fs/bpf"
#define PIN_DIR BPFFS "/rmap_probe"
#define PIN_HISTORY PIN_DIR "/history"
#define PIN_STATS PIN_DIR "/stats"
#define PIN_STACKS PIN_DIR "/pin_stacks"
#define PIN_OWNERS PIN_DIR "/pin_owners"
#define BPF_FS_MAGIC_ 0xcafe4a11

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
	char path[512], name[128];
	int err;

	if (mkdir(dir, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/history", dir);
	err = bpf_map__pin(s->skel->maps.history, path);
	snprintf(path, sizeof(path), "%s/stats", dir);
	if (!err)
		err = bpf_map__pin(s->skel->maps.stats, path);
	snprintf(path, sizeof(path), "%s/pin_stacks", dir);
	if (!err)
		err = bpf_map__pin(s->skel->maps.pin_stacks, path);
	/* only a recorder that follows pins has their account: explain tells the two apart */
	snprintf(path, sizeof(path), "%s/pin_owners", dir);
	if (!err && (s->want & WANT_PIN))
		err = bpf_map__pin(s->skel->maps.pin_owners, path);
	for (size_t i = 0; i < SESSION_MAX_HOOKS && !err; i++) {
		if (!session_link_name(s, i, name, sizeof(name)))
			continue;
		snprintf(path, sizeof(path), "%s/" LINK_PREFIX "%s", dir, name);
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
 * A map the flight recorder pinned at @path, if it is laid out as this rmapctl reads it (a recorder started by
 * another version, with a deeper history or another key, would otherwise be read past our structs): its fd,
 * -errno, or -EPROTO for another layout, which @info then describes.
 */
static int pinned_map_fd(const char *path, uint32_t type, uint32_t key_size, uint32_t value_size,
			 struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		err = errno;
		close(fd);
		return -err;
	}
	if (info->type != type || info->key_size != key_size || info->value_size != value_size) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

/* pinned_map_fd(), its failure said: an exit code, and *@fd on success. */
static int open_pinned_map(const char *path, uint32_t type, uint32_t key_size, uint32_t value_size, int *fd)
{
	struct bpf_map_info info;

	*fd = pinned_map_fd(path, type, key_size, value_size, &info);
	if (*fd >= 0)
		return EXIT_OK;
	if (*fd == -ENOENT)
		return fail(EXIT_FAILURE_, "the flight recorder is not running (rmapctl record start)");
	if (*fd == -EPROTO)
		return fail(EXIT_FAILURE_, "%s was made by another rmapctl version (map type %u, key %u bytes, value "
			    "%u bytes; this rmapctl reads type %u, %u and %u): rmapctl record stop, then record start",
			    path, info.type, info.key_size, info.value_size, type, key_size, value_size);
	return fail(*fd == -EACCES || *fd == -EPERM ? EXIT_PERMISSION : EXIT_FAILURE_, "%s: %s", path,
		    strerror(-*fd));
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
 * Add the memory of the program behind link @lfd to *@prog_mem, its skipped runs to *@skipped (unless NULL),
 * and its maps' ids to @map_ids (no repeats).
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
	if (skipped)
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

/* PFNs the history map holds now. */
static uint64_t history_held(int history_fd)
{
	uint64_t key, next, held = 0;

	for (int err = bpf_map_get_next_key(history_fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(history_fd, &key, &next)) {
		key = next;
		held++;
	}
	return held;
}

/* PFNs the LRU evicted: those the recorder added, less those it holds. */
static uint64_t history_evictions(uint64_t added, uint64_t held)
{
	return added > held ? added - held : 0;
}

/* What record status reports, gathered once and printed for people or as JSON. */
struct recorder_status {
	char hooks[SESSION_MAX_HOOKS * 2][96];	/* kind:target of each pinned link */
	int nhooks;
	uint64_t pfns, max_pfns, recorded, added, evicted, refused, unpaired, skipped, no_context;
	uint64_t map_mem, history_mem, prog_mem;
	uint32_t nmaps;
};

static void status_print(const struct recorder_status *st)
{
	printf("flight recorder: running, pinned in %s\n", PIN_DIR);
	for (int i = 0; i < st->nhooks; i++)
		printf("  %s\n", st->hooks[i]);
	printf("  PFNs remembered: %llu of %llu, up to %d events each\n", (unsigned long long)st->pfns,
	       (unsigned long long)st->max_pfns, RMP_HISTORY_DEPTH);
	printf("  events recorded: %llu; PFNs added %llu, evicted %llu (the least recently touched), refused %llu\n",
	       (unsigned long long)st->recorded, (unsigned long long)st->added,
	       (unsigned long long)st->evicted, (unsigned long long)st->refused);
	printf("  events lost: unpaired kprobes %llu, program runs skipped %llu; misclassified (no task context) %llu\n",
	       (unsigned long long)st->unpaired, (unsigned long long)st->skipped, (unsigned long long)st->no_context);
	printf("  memory: %llu KiB: %u maps %llu KiB (the history map %llu KiB), %d programs %llu KiB "
	       "(the kernel's memlock accounting)\n", (unsigned long long)(st->map_mem + st->prog_mem) / 1024,
	       st->nmaps, (unsigned long long)st->map_mem / 1024, (unsigned long long)st->history_mem / 1024,
	       st->nhooks, (unsigned long long)st->prog_mem / 1024);
}

static void status_write_json(const struct recorder_status *st)
{
	struct json j;

	json_init(&j, stdout);
	json_start_object(&j);
	json_key(&j, "running");
	json_bool(&j, true);
	json_key(&j, "pinned");
	json_string(&j, PIN_DIR);
	json_key(&j, "hooks");
	json_start_array(&j);
	for (int i = 0; i < st->nhooks; i++)
		json_string(&j, st->hooks[i]);
	json_end_array(&j);
	json_key(&j, "pfns");
	json_uint(&j, st->pfns);
	json_key(&j, "max_pfns");
	json_uint(&j, st->max_pfns);
	json_key(&j, "events_per_pfn");
	json_uint(&j, RMP_HISTORY_DEPTH);
	json_key(&j, "events_recorded");
	json_uint(&j, st->recorded);
	json_key(&j, "pfns_added");
	json_uint(&j, st->added);
	json_key(&j, "pfns_evicted");
	json_uint(&j, st->evicted);
	json_key(&j, "pfns_refused");
	json_uint(&j, st->refused);
	json_key(&j, "lost_by_cause");
	json_start_object(&j);
	json_key(&j, "unpaired_kprobes");
	json_uint(&j, st->unpaired);
	json_key(&j, "program_runs_skipped");
	json_uint(&j, st->skipped);
	json_end_object(&j);
	json_key(&j, "misclassified_no_task_context");
	json_uint(&j, st->no_context);
	json_key(&j, "memlock_bytes");
	json_start_object(&j);
	json_key(&j, "maps");
	json_uint(&j, st->map_mem);
	json_key(&j, "history_map");
	json_uint(&j, st->history_mem);
	json_key(&j, "programs");
	json_uint(&j, st->prog_mem);
	json_end_object(&j);
	json_end_object(&j);
}

static int record_status(bool json)
{
	static struct recorder_status st;
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), map_ids[MAX_MAPS];
	char path[512];
	struct dirent *d;
	DIR *dir;
	int fd, stats_fd, rc;

	if (access(PIN_DIR, F_OK)) {
		if (json)
			printf("{\"running\":false}\n");
		else
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
	memset(&st, 0, sizeof(st));
	bpf_obj_get_info_by_fd(fd, &info, &len);
	st.max_pfns = info.max_entries;
	st.pfns = history_held(fd);
	st.history_mem = fd_memlock(fd);
	dir = opendir(PIN_DIR);
	while (dir && (d = readdir(dir))) {
		int lfd;

		if (strncmp(d->d_name, LINK_PREFIX, strlen(LINK_PREFIX)) || st.nhooks == SESSION_MAX_HOOKS * 2)
			continue;
		snprintf(path, sizeof(path), PIN_DIR "/%s", d->d_name);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			continue;
		snprintf(st.hooks[st.nhooks++], sizeof(st.hooks[0]), "%s", d->d_name + strlen(LINK_PREFIX));
		link_memory(lfd, map_ids, &st.nmaps, &st.prog_mem,
			    session_link_emits(st.hooks[st.nhooks - 1]) ? &st.skipped : NULL);
		close(lfd);
	}
	if (dir)
		closedir(dir);
	for (uint32_t i = 0; i < st.nmaps; i++) {
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);

		if (mfd >= 0) {
			st.map_mem += fd_memlock(mfd);
			close(mfd);
		}
	}
	st.recorded = stat_sum(stats_fd, RMP_STAT_RECORDED);
	st.added = stat_sum(stats_fd, RMP_STAT_INSERTED);
	st.evicted = history_evictions(st.added, st.pfns);
	st.refused = stat_sum(stats_fd, RMP_STAT_NO_ROOM);
	st.unpaired = stat_sum(stats_fd, RMP_STAT_UNPAIRED);
	st.no_context = stat_sum(stats_fd, RMP_STAT_NO_CONTEXT);
	close(fd);
	close(stats_fd);
	if (json)
		status_write_json(&st);
	else
		status_print(&st);
	return EXIT_OK;
}

static void usage_record(FILE *out)
{
	fprintf(out, "usage: %s record start [--events migrate,unmap,zap] [--entries N] [--attach auto|fentry|kprobe] "
		     "[-v]\n"
		     "       %s record stop|status [--json]\n"
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
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct request req = { .want = WANT_MIGRATE | WANT_UNMAP | WANT_PIN, .history = true, .attach = -1,
			       .entries = RMP_HISTORY_ENTRIES, .pins = RMP_PIN_LONGTERM };
	bool options = false, json = false, events = false;
	const char *sub;
	uint64_t entries;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jvh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
			continue;
		}
		options = true;
		if (c == 'e' && !parse_events(optarg, &req.want)) {
			events = true;
			continue;
		}
		if (c == 'a' && !parse_attach(optarg, &req.attach))
			continue;
		if (c == 'n' && !parse_uint(optarg, 1U << 24, &entries) && entries >= 64) {
			req.entries = (uint32_t)entries;
			continue;
		}
		if (c == 'v') {
			trace_verbose++;
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
	if (json && strcmp(sub, "status"))
		return fail(EXIT_USAGE, "--json is for record status");
	/* pins have fexit programs only: with kprobes they are not a default to drop with a warning */
	if (!events && req.attach == ATTACH_KPROBE)
		req.want &= ~WANT_PIN;
	if (!strcmp(sub, "start"))
		return record_start(&req);
	if (options)
		return fail(EXIT_USAGE, "record %s takes no options", sub);
	if (!strcmp(sub, "stop"))
		return record_stop();
	if (!strcmp(sub, "status"))
		return record_status(json);
	return fail_usage(usage_record);
}

/* ---- pfn --history: what the recorder saw ---- */

static int map_lookup(void *ctx, uint64_t pfn, struct rmp_history *h)
{
	return bpf_map_lookup_elem(*(int *)ctx, &pfn, h);
}

struct history_out {
	struct json *j;
	size_t n;
	int stacks_fd;		/* the pins' stacks, -1 if the recorder keeps none */
};

/* The pinned map of pins' stacks, or -1 (a recorder of an older rmapctl has none). */
static int open_pin_stacks(void)
{
	struct bpf_map_info info;
	int fd = pinned_map_fd(PIN_STACKS, BPF_MAP_TYPE_STACK_TRACE, sizeof(uint32_t),
			       RMP_STACK_DEPTH * sizeof(uint64_t), &info);

	return fd < 0 ? -1 : fd;
}

/* A pin's stack, from the pinned function on: the BPF trampoline's and program's frames left out. */
static uint32_t pin_frames(int stacks_fd, const struct rmp_event *e, uint64_t *frames, const uint64_t **start)
{
	uint32_t n = pin_stack(stacks_fd, e, frames);

	*start = frames;
	if (n && ksyms_load() == 0)
		n = ksym_skip_bpf(start, n);
	return n;
}

static void history_emit(void *arg, const struct rmp_event *e)
{
	struct history_out *out = arg;
	uint64_t frames[RMP_STACK_DEPTH];
	const uint64_t *start;
	uint32_t n = pin_frames(out->stacks_fd, e, frames, &start);

	out->n++;
	if (out->j) {
		event_write_json(out->j, e, n ? start : NULL, n);
	} else {
		printf("  ");
		event_print(e, 0, stdout);
		if (n)
			event_print_stack(start, n, stdout);
	}
}

int pin_owner_lookup(uint64_t head_pfn, struct rmp_pin_owner *owner, uint64_t *frames, uint32_t *nr_frames)
{
	struct rmp_event ev = { .type = RMP_EV_PIN };
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	uint64_t all[RMP_STACK_DEPTH];
	const uint64_t *start;
	int fd, stacks_fd, err;

	*nr_frames = 0;
	if (access(PIN_DIR, F_OK))
		return -1;
	fd = bpf_obj_get(PIN_OWNERS);
	if (fd < 0)
		return -2;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size != sizeof(head_pfn) ||
	    info.value_size != sizeof(*owner)) {
		close(fd);
		return -2;	/* another version's: as good as none */
	}
	err = bpf_map_lookup_elem(fd, &head_pfn, owner);
	close(fd);
	if (err || owner->pins <= 0 || !owner->ts_ns)
		return 0;
	ev.reason = owner->stack_id;
	stacks_fd = open_pin_stacks();
	*nr_frames = pin_frames(stacks_fd, &ev, all, &start);
	memcpy(frames, start, *nr_frames * sizeof(*frames));
	if (stacks_fd >= 0)
		close(stacks_fd);
	return 1;
}

/* PFNs whose history the recorder has evicted (its LRU map full): added less held. */
static uint64_t history_evicted(int history_fd)
{
	uint64_t added;
	int stats_fd;

	if (open_stats_quiet(&stats_fd))
		return 0;
	added = stat_sum(stats_fd, RMP_STAT_INSERTED);
	close(stats_fd);
	return history_evictions(added, history_held(history_fd));
}

int history_print(uint64_t pfn, struct json *j, uint64_t *now_pfn)
{
	struct history_out out = { .j = j, .stacks_fd = open_pin_stacks() };
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
	if (out.stacks_fd >= 0)
		close(out.stacks_fd);
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
