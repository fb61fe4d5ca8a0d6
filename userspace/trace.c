// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl trace: stream the events of the programs in bpf/ from their ring buffer, as lines or JSON lines,
 * until Ctrl-C, SIGTERM or a duration; the closing summary says what was lost, by cause.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "ksyms.h"
#include "report.h"
#include "rmapctl.h"
#include "session.h"
#include "trace.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct trace_state {
	bool json;
	const char *comm;		/* --comm: only this process name's unmaps and zaps */
	int64_t wall_offset_ns;		/* -T: CLOCK_MONOTONIC to the wall clock; 0: times since boot */
	int pin_stacks_fd;		/* --stack: where pin and unpin events keep theirs */
	uint64_t count[RMP_EV_UNPIN + 1];
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct trace_state *st = ctx;
	const struct rmp_event *e = data;
	const struct rmp_event_stack *rec = data;
	uint64_t pin_frames[RMP_STACK_DEPTH];
	const uint64_t *frames = NULL;
	uint32_t nr_frames = 0;
	struct json j;

	if (len < sizeof(*e) || e->type < RMP_EV_MIGRATE || e->type > RMP_EV_UNPIN)
		return 0;
	if (len >= sizeof(*rec)) {
		frames = (const uint64_t *)rec->frames;
		nr_frames = rec->nr_frames < RMP_STACK_DEPTH ? rec->nr_frames : RMP_STACK_DEPTH;
		/* pins keep their stack by id: one per call, not per page */
		if (e->type == RMP_EV_PIN || e->type == RMP_EV_UNPIN) {
			nr_frames = pin_stack(st->pin_stacks_fd, e, pin_frames);
			frames = pin_frames;
		}
		/* an fentry program's stack starts in itself and its trampoline: start at the hooked function */
		nr_frames = ksym_skip_bpf(&frames, nr_frames);
	}
	/* --comm: the unmaps and zaps in processes of that name (a migration is of a page, not a process) */
	if (st->comm && (e->type == RMP_EV_MIGRATE || strncmp(e->comm, st->comm, RMP_COMM_LEN)))
		return 0;
	st->count[e->type]++;
	if (st->json) {
		json_init(&j, stdout);
		event_write_json(&j, e, frames, nr_frames);
	} else {
		event_print(e, st->wall_offset_ns, stdout);
		if (frames)
			event_print_stack(frames, nr_frames, stdout);
	}
	return 0;
}

static void usage_trace(FILE *out)
{
	fprintf(out, "usage: %s trace [--pfn PFN|--pid PID] [--events migrate,unmap,zap] [--duration S] "
		     "[--comm NAME] [-j|--json-lines] [-T|--wall-clock] [--stack] [--attach auto|fentry|kprobe] "
		     "[--buffer MIB] [-v]\n"
		     "  stream unmap and migration events until Ctrl-C, SIGTERM or the duration ends;\n"
		     "  default events: migrate,unmap (zap, every munmap/MADV_DONTNEED/exit, is noisy; pin: every\n"
		     "  FOLL_PIN pin and unpin, long-term and short-term, with the pinning task and its stack);\n"
		     "  attach: fentry/fexit, or kprobes where the kernel has no BPF trampolines (auto);\n"
		     "  buffer: the ring buffer's size in MiB, a power of two (default %d): more rides out bursts;\n"
		     "  comm: only the unmaps and zaps in processes of that name; -T: wall-clock times;\n"
		     "  stack: each event with the kernel stack it happened on (why did it move? who unmapped it?)\n",
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
		{ "comm", required_argument, NULL, 'c' },
		{ "wall-clock", no_argument, NULL, 'T' },
		{ "stack", no_argument, NULL, 'S' },
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
	uint64_t pid = 0, duration = 0, mib, total = 0;
	bool wall = false;
	const char *why;
	int c, rc, err = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jTvh", opts, NULL)) != -1) {
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
		case 'c':
			if (!*optarg || strlen(optarg) >= RMP_COMM_LEN)
				return fail(EXIT_USAGE, "bad comm '%s': a process name of 1 to %d characters", optarg,
					    RMP_COMM_LEN - 1);
			st.comm = optarg;
			break;
		case 'T':
			wall = true;
			break;
		case 'S':
			req.stack = true;
			break;
		case 'v':
			trace_verbose++;
			break;
		case 'h':
			usage_trace(stdout);
			return EXIT_OK;
		default:
			return fail_usage(usage_trace);
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
	/* once the programs are loaded: their own frames are then named, and left out */
	if (req.stack && (err = ksyms_load())) {
		session_close(&s);
		return fail(err == -EPERM || err == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_,
			    "--stack: cannot name kernel addresses: /proc/kallsyms %s", err == -EPERM ?
			    "hides them (kernel.kptr_restrict, or no CAP_SYSLOG)" : strerror(-err));
	}
	st.pin_stacks_fd = bpf_map__fd(s.skel->maps.pin_stacks);
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
	if (wall) {
		struct timespec mono, real;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		st.wall_offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	}
	fprintf(stderr, "%s: tracing %s; Ctrl-C ends\n", prog, events_list(s.want));
	if (!st.json)
		event_print_header(st.wall_offset_ns, stdout);
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
	session_detach(&s, &lost);
	if (!err)
		ring_buffer__consume(rb);
	fflush(stdout);
	lost.ring_full = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_LOST);
	lost.unpaired = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_UNPAIRED);
	lost.no_context = stat_sum(bpf_map__fd(s.skel->maps.stats), RMP_STAT_NO_CONTEXT);
	ring_buffer__free(rb);
	session_close(&s);
	for (int t = RMP_EV_MIGRATE; t <= RMP_EV_UNPIN; t++)
		total += st.count[t];
	if (st.json) {
		/* the stream's last document: what was seen and lost, for a script that reads only stdout */
		struct json j;

		json_init(&j, stdout);
		json_start_object(&j);
		json_key(&j, "summary");
		json_start_object(&j);
		json_key(&j, "events");
		json_uint(&j, total);
		for (int t = RMP_EV_MIGRATE; t <= RMP_EV_UNPIN; t++) {
			json_key(&j, t == RMP_EV_UNPIN ? "unpin" : event_kinds[t - 1]);
			json_uint(&j, st.count[t]);
		}
		losses_write_json(&j, &lost);
		json_end_object(&j);
		json_end_object(&j);
	}
	fflush(stdout);
	fprintf(stderr, "%s: %llu events (migrate %llu, unmap %llu, zap %llu, pin %llu, unpin %llu), ", prog,
		(unsigned long long)total, (unsigned long long)st.count[RMP_EV_MIGRATE],
		(unsigned long long)st.count[RMP_EV_UNMAP], (unsigned long long)st.count[RMP_EV_ZAP],
		(unsigned long long)st.count[RMP_EV_PIN], (unsigned long long)st.count[RMP_EV_UNPIN]);
	losses_print(&lost, stderr);
	fputc('\n', stderr);
	if (err < 0)
		return fail(EXIT_FAILURE_, "reading events failed: %s", strerror(-err));
	return EXIT_OK;
}

