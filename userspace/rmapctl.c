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
	if (err == EPERM && geteuid() == 0 && (flags & O_ACCMODE) != O_RDONLY && lockdown_mode())
		exit(fail(EXIT_PERMISSION, "%s: the kernel is locked down (%s): debugfs refuses writable files, so "
			  "queries cannot be made while lockdown is on", path, lockdown_mode()));
	if (err == EACCES || err == EPERM)
		exit(fail(EXIT_PERMISSION, "%s: %s: rmap_probe needs root (CAP_SYS_ADMIN): physical page layout is "
			  "sensitive", path, strerror(err)));
	if (err == ENOENT) {
		if (statfs(DEBUGFS, &fs) || fs.f_type != DEBUGFS_MAGIC)
			exit(fail(EXIT_NO_MODULE, "debugfs is not mounted on %s (mount -t debugfs none %s)", DEBUGFS,
				  DEBUGFS));
		exit(fail(EXIT_NO_MODULE, "%s not found: is the module loaded? (modprobe rmap_probe)", path));
	}
	exit(fail(EXIT_FAILURE_, "%s: %s", path, strerror(err)));
}

/* Read a file descriptor to its end into a NUL-terminated, growing buffer. */
static char *read_all(int fd, const char *what)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	for (;;) {
		if (!buf)
			exit(fail(EXIT_FAILURE_, "out of memory reading %s", what));
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(fail(EXIT_FAILURE_, "reading %s: %s", what, strerror(errno)));
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

static void usage_version(FILE *out)
{
	fprintf(out, "usage: %s version [--json]   (or %s --version)\n", prog, prog);
}

/* rmapctl's version, and the loaded module's, or that none is loaded: a question worth answering without it. */
static int cmd_version(int argc, char **argv)
{
	char module[64] = "", *nl;
	struct json j;
	FILE *f;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") && strcmp(argv[1], "-j")))
		return fail_usage(usage_version);
	f = fopen(PROBE_DIR "/version", "re");
	if (f && fgets(module, sizeof(module), f) && (nl = strchr(module, '\n')))
		*nl = '\0';
	if (f)
		fclose(f);
	if (!json_mode) {
		printf("rmapctl %s, module %s\n", RMAPCTL_VERSION, *module ? module : "not loaded");
		return EXIT_OK;
	}
	json_init(&j, stdout);
	json_start_object(&j);
	json_key(&j, "rmapctl");
	json_string(&j, RMAPCTL_VERSION);
	json_key(&j, "module");
	if (*module)
		json_string(&j, module);
	else
		json_null(&j);
	json_end_object(&j);
	return EXIT_OK;
}

static void usage_pfn(FILE *out)
{
	fprintf(out, "usage: %s pfn PFN [--json] [--history]\n"
		     "  PFN in decimal or 0x hex, as kernel logs print it\n"
		     "  --history: first what the flight recorder (rmapctl record) saw happen to the page, following\n"
		     "             its migrations, then who maps the PFN its contents live at now\n", prog);
}

#define KPF_THP		22	/* include/uapi/linux/kernel-page-flags.h */
#define KPF_ZERO_PAGE	24

/* The page's /proc/kpageflags word; 0 when it cannot be read. */
static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t flags = 0;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (pread(fd, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) != sizeof(flags))
			flags = 0;
		close(fd);
	}
	return flags;
}

static bool is_huge_zero(uint64_t kflags)
{
	return (kflags >> KPF_ZERO_PAGE & 1) && (kflags >> KPF_THP & 1);
}

/*
 * The huge zero folio is the one zero page the module cannot name: no kernel line exports huge_zero_folio or
 * its PFN to modules, so the module describes it as "other" (unmapped kernel memory: not wrong, only vague).
 * /proc/kpageflags marks it (fs/proc/page.c tests is_huge_zero_page() for every page of it). The shrinker can
 * free it and the PFN be reused, so only a large untracked "other" page that kpageflags called the huge zero
 * folio both before and after the query (@before) is renamed.
 */
static void name_huge_zero(struct report *r, uint64_t before)
{
	if (strcmp(r->kind, "other") || strcmp(r->verdict, "untracked") || !r->order || r->nr_maps ||
	    !is_huge_zero(before) || !is_huge_zero(kpageflags(r->pfn)))
		return;
	snprintf(r->kind, sizeof(r->kind), "zero");
	if (strlen(r->flags) + sizeof(",zero") <= sizeof(r->flags))
		strcat(r->flags, *r->flags ? ",zero" : "zero");
	snprintf(r->note, sizeof(r->note), "the huge zero page, mapped without reverse-map tracking "
		 "(named from /proc/kpageflags: the kernel does not tell modules where it is)");
}

/* Ask the module about @pfn (@arg as the user wrote it, for messages); an exit code. */
static int query(uint64_t pfn, const char *arg, struct report *r)
{
	uint64_t before = kpageflags(pfn);
	char req[32], *text;
	int fd, line, err;

	fd = open_probe_file("query", O_RDWR);
	snprintf(req, sizeof(req), "%llu\n", (unsigned long long)pfn);
	if (write(fd, req, strlen(req)) < 0) {
		err = errno;
		close(fd);
		if (err == EINVAL || err == ERANGE || err == ENXIO)
			return fail(EXIT_BAD_PFN, "pfn %s: %s", arg,
				    err == ENXIO ? "no online memory at this PFN" : strerror(err));
		if (err == EPERM || err == EACCES)
			return fail(EXIT_PERMISSION, "query refused: %s", strerror(err));
		return fail(EXIT_FAILURE_, "query for pfn %s failed: %s", arg, strerror(err));
	}
	text = read_all(fd, "query");
	close(fd);
	if (report_parse(r, text, &line)) {
		free(text);
		return fail(EXIT_FAILURE_, "cannot parse the module's report at line %d (module and rmapctl versions "
			    "differ?)", line);
	}
	free(text);
	name_huge_zero(r, before);
	return EXIT_OK;
}

/*
 * pfn --history: what the flight recorder saw happen to @pfn, then who maps the PFN its contents live at now.
 * With @json, one document, written only once it is whole: an error on the way is then the only document.
 */
static int pfn_history(uint64_t pfn, bool json)
{
	struct report r;
	struct json j;
	char now_arg[32], *doc = NULL;
	size_t len = 0;
	FILE *out = stdout;
	uint64_t now;
	int rc;

	if (json) {
		out = open_memstream(&doc, &len);
		if (!out)
			return fail(EXIT_FAILURE_, "out of memory");
		json_init(&j, out);
		json_start_object(&j);
		json_key(&j, "pfn");
		json_uint(&j, pfn);
	}
	rc = history_print(pfn, json ? &j : NULL, &now);
	if (!rc) {
		snprintf(now_arg, sizeof(now_arg), "0x%llx", (unsigned long long)now);
		rc = query(now, now_arg, &r);
	}
	if (!rc) {
		if (json) {
			json_key(&j, "now");
			report_write_json(&j, &r);
			json_end_object(&j);
		} else {
			report_print_human(&r, stdout);
		}
		report_free(&r);
	}
	if (json) {
		fclose(out);
		if (!rc)
			fwrite(doc, 1, len, stdout);
		free(doc);
	}
	return rc;
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
	const char *why;
	uint64_t pfn;
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
			return fail_usage(usage_pfn);
		}
	}
	if (optind != argc - 1)
		return fail_usage(usage_pfn);
	if (parse_pfn(argv[optind], &pfn, &why))
		return fail(EXIT_USAGE, "bad PFN '%s': %s", argv[optind], why);
	if (history)
		return pfn_history(pfn, json);
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

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "pfn", cmd_pfn, "pfn PFN [--json] [--history]   who maps this physical page (and what happened to it)" },
	{ "trace", cmd_trace, "trace [--pfn PFN|--pid PID] [--comm NAME] [--events LIST] [--duration S] [-j] [-T] [-v]\n"
			      "                                 stream unmap and migration events" },
	{ "record", cmd_record, "record start|stop|status [-j]   the flight recorder behind pfn --history" },
	{ "version", cmd_version, "version [--json]               rmapctl's version and the loaded module's" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: %s COMMAND [ARGS]\ncommands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	json_mode_from_args(argc, argv);
	if (argc < 2)
		return fail_usage(usage);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	usage(stderr);
	return fail(EXIT_USAGE, "unknown command '%s'", argv[1]);
}
