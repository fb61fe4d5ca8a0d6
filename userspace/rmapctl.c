// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl: ask rmap_probe.ko who maps a physical page.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "report.h"
#include "rmapctl.h"
#include "trace.h"

#define DEBUGFS "/sys/kernel/debug"
#define PROBE_DIR DEBUGFS "/rmap_probe"
#define DEBUGFS_MAGIC 0x64626720

const char *prog = "rmapctl";

/* Kernel lockdown (Debian enables it under Secure Boot) forbids writable debugfs files, even to root. */
static const char *lockdown_mode(void)
{
	static char mode[32];
	char buf[128], *sel, *end;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	sel = strchr(buf, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (!end || !strncmp(sel + 1, "none", 4))
		return NULL;
	snprintf(mode, sizeof(mode), "%.*s", (int)(end - sel - 1), sel + 1);
	return mode;
}

static int open_probe_file(const char *name, int flags)
{
	char path[256];
	struct statfs fs;
	int fd, err;

	snprintf(path, sizeof(path), PROBE_DIR "/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EPERM && geteuid() == 0 && (flags & O_ACCMODE) != O_RDONLY && lockdown_mode()) {
		fprintf(stderr, "%s: %s: the kernel is locked down (%s): debugfs refuses writable files, so queries "
			"cannot be made while lockdown is on\n", prog, path, lockdown_mode());
		exit(EXIT_PERMISSION);
	}
	if (err == EACCES || err == EPERM) {
		fprintf(stderr, "%s: %s: %s: rmap_probe needs root (CAP_SYS_ADMIN): physical page layout is sensitive\n",
			prog, path, strerror(err));
		exit(EXIT_PERMISSION);
	}
	if (err == ENOENT) {
		if (statfs(DEBUGFS, &fs) || fs.f_type != DEBUGFS_MAGIC)
			fprintf(stderr, "%s: debugfs is not mounted on %s (mount -t debugfs none %s)\n", prog,
				DEBUGFS, DEBUGFS);
		else
			fprintf(stderr, "%s: %s not found: is the module loaded? (modprobe rmap_probe)\n", prog,
				path);
		exit(EXIT_NO_MODULE);
	}
	fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
	exit(EXIT_FAILURE_);
}

/* Read a file descriptor to its end into a NUL-terminated, growing buffer. */
static char *read_all(int fd, const char *what)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	for (;;) {
		if (!buf) {
			fprintf(stderr, "%s: out of memory reading %s\n", prog, what);
			exit(EXIT_FAILURE_);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading %s: %s\n", prog, what, strerror(errno));
			exit(EXIT_FAILURE_);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = '\0';
	return buf;
}

static int cmd_version(int argc, char **argv)
{
	int fd;
	char *v;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: %s version\n", prog);
		return EXIT_USAGE;
	}
	fd = open_probe_file("version", O_RDONLY);
	v = read_all(fd, "version");
	close(fd);
	printf("rmapctl %s, module %s", RMAPCTL_VERSION, v);
	free(v);
	return EXIT_OK;
}

static void usage_pfn(FILE *out)
{
	fprintf(out, "usage: %s pfn PFN [--json] [--history]\n"
		     "  PFN in decimal or 0x hex, as kernel logs print it\n"
		     "  --history: first what the flight recorder (rmapctl record) saw happen to the page, following\n"
		     "             its migrations, then who maps the PFN its contents live at now\n", prog);
}

#define KPF_ZERO_PAGE 24	/* include/uapi/linux/kernel-page-flags.h */

/*
 * The huge zero folio is the one zero page the module cannot name: no kernel line exports huge_zero_folio or
 * its PFN to modules, so the module describes it as "other" (unmapped kernel memory, which is not wrong, only
 * vague). /proc/kpageflags marks it (fs/proc/page.c tests is_huge_zero_page() for every page of it). The page
 * could change between the two reads; both answers are then untracked pages with no mappings.
 */
static void name_huge_zero(struct report *r)
{
	uint64_t kflags;
	int fd;

	if (strcmp(r->kind, "other") || r->nr_maps)
		return;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, &kflags, sizeof(kflags), (off_t)(r->pfn * sizeof(kflags))) == sizeof(kflags) &&
	    (kflags >> KPF_ZERO_PAGE & 1)) {
		snprintf(r->kind, sizeof(r->kind), "zero");
		if (strlen(r->flags) + sizeof(",zero") <= sizeof(r->flags))
			strcat(r->flags, *r->flags ? ",zero" : "zero");
		snprintf(r->note, sizeof(r->note), "the huge zero page, mapped without reverse-map tracking "
			 "(named from /proc/kpageflags: the kernel does not tell modules where it is)");
	}
	close(fd);
}

/* Ask the module about @pfn (@arg as the user wrote it, for messages); an exit code. */
static int query(uint64_t pfn, const char *arg, struct report *r)
{
	char req[32], *text;
	int fd, line;

	fd = open_probe_file("query", O_RDWR);
	snprintf(req, sizeof(req), "%llu\n", (unsigned long long)pfn);
	if (write(fd, req, strlen(req)) < 0) {
		int err = errno;

		close(fd);
		if (err == EINVAL || err == ERANGE || err == ENXIO) {
			fprintf(stderr, "%s: pfn %s: %s\n", prog, arg,
				err == ENXIO ? "no online memory at this PFN" : strerror(err));
			return EXIT_BAD_PFN;
		}
		if (err == EPERM || err == EACCES) {
			fprintf(stderr, "%s: query refused: %s\n", prog, strerror(err));
			return EXIT_PERMISSION;
		}
		fprintf(stderr, "%s: query for pfn %s failed: %s\n", prog, arg, strerror(err));
		return EXIT_FAILURE_;
	}
	text = read_all(fd, "query");
	close(fd);
	if (report_parse(r, text, &line)) {
		fprintf(stderr, "%s: cannot parse the module's report at line %d (module and rmapctl versions differ?)\n",
			prog, line);
		free(text);
		return EXIT_FAILURE_;
	}
	free(text);
	name_huge_zero(r);
	return EXIT_OK;
}

static int cmd_pfn(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "history", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report r;
	struct json j;
	const char *why;
	uint64_t pfn, now;
	char now_arg[32];
	bool json = false, history = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'H') {
			history = true;
		} else if (c == 'h') {
			usage_pfn(stdout);
			return EXIT_OK;
		} else {
			usage_pfn(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage_pfn(stderr);
		return EXIT_USAGE;
	}
	if (parse_pfn(argv[optind], &pfn, &why)) {
		fprintf(stderr, "%s: bad PFN '%s': %s\n", prog, argv[optind], why);
		return EXIT_USAGE;
	}
	if (!history) {
		rc = query(pfn, argv[optind], &r);
		if (rc)
			return rc;
		if (json)
			report_print_json(&r, stdout);
		else
			report_print_human(&r, stdout);
		report_free(&r);
		return EXIT_OK;
	}
	if (json) {
		json_init(&j, stdout);
		json_start_object(&j);
		json_key(&j, "pfn");
		json_uint(&j, pfn);
	}
	rc = history_print(pfn, json ? &j : NULL, &now);
	if (rc)
		return rc;
	snprintf(now_arg, sizeof(now_arg), "0x%llx", (unsigned long long)now);
	rc = query(now, now_arg, &r);
	if (json) {
		if (!rc) {
			json_key(&j, "now");
			report_write_json(&j, &r);
		}
		json_end_object(&j);
	} else if (!rc) {
		report_print_human(&r, stdout);
	}
	if (!rc)
		report_free(&r);
	return rc;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "pfn", cmd_pfn, "pfn PFN [--json] [--history]   who maps this physical page (and what happened to it)" },
	{ "trace", cmd_trace, "trace [--pfn PFN|--pid PID] [--events LIST] [--duration S] [--json-lines] [-v]\n"
			      "                                 stream unmap and migration events" },
	{ "record", cmd_record, "record start|stop|status        the flight recorder behind pfn --history" },
	{ "version", cmd_version, "version                        rmapctl and module versions" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: %s COMMAND [ARGS]\ncommands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
