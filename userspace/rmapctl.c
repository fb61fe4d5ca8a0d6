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
#include "explain.h"
#include "probe.h"
#include "pid.h"
#include "range.h"
#include "vaddr.h"
#include "report.h"
#include "rmapctl.h"
#include "trace.h"

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
	fprintf(out, "usage: %s pfn PFN [--json] [--history] [-v]\n"
		     "  PFN in decimal or 0x hex, as kernel logs print it\n"
		     "  -v, --verbose: what the walk cost (tree nodes, vmas, page-table locks, attempts, the longest\n"
		     "             lock hold); --json always has it, under \"cost\"\n"
		     "  --history: first what the flight recorder (rmapctl record) saw happen to the page, following\n"
		     "             its migrations, then who maps the PFN its contents live at now\n", prog);
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
		rc = probe_query(now, now_arg, &r);
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report r;
	const char *why;
	uint64_t pfn;
	bool json = false, history = false, verbose = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jvh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'v') {
			verbose = true;
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
	rc = probe_query(pfn, argv[optind], &r);
	if (rc)
		return rc;
	if (json) {
		report_print_json(&r, stdout);
	} else {
		report_print_human(&r, stdout);
		if (verbose)
			report_print_cost(&r, stdout);
	}
	report_free(&r);
	return EXIT_OK;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "pfn", cmd_pfn, "pfn PFN [--json] [--history] [-v]  who maps this physical page (and what happened to it)" },
	{ "trace", cmd_trace, "trace [--pfn PFN|--pid PID] [--comm NAME] [--events LIST] [--duration S] [-j] [-T] [-v]\n"
			      "                                 stream unmap and migration events" },
	{ "vaddr", cmd_vaddr, "vaddr PID ADDR [--len SIZE] [--json]\n"
			      "                                 who maps the pages of a process at an address" },
	{ "pid", cmd_pid, "pid PID [--range START-END] [--json]\n"
			      "                                 a process's pages, and with whom it shares them" },
	{ "explain", cmd_explain, "explain PFN [--json]           why a page will not migrate, reclaim or offline,\n"
				  "                                 and who holds it" },
	{ "range", cmd_range, "range [START END|--node N|--block N] [--summary] [-j|--json-lines]\n"
			      "                                 the pages in use in a physical range, and who maps them" },
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
