// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of rmapctl's parsing and formatting. One PASS:/FAIL: line per case. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "json.h"

static int failed;

static void result(const char *name, int ok)
{
	printf("%s: unit %s\n", ok ? "PASS" : "FAIL", name);
	failed += !ok;
}

static void pfn_ok(const char *s, uint64_t want)
{
	const char *why = NULL;
	uint64_t pfn = 0;
	char name[128];

	snprintf(name, sizeof(name), "parse_pfn accepts '%s'", s);
	result(name, parse_pfn(s, &pfn, &why) == 0 && pfn == want);
}

static void pfn_bad(const char *s)
{
	const char *why = NULL;
	uint64_t pfn;
	char name[128];

	snprintf(name, sizeof(name), "parse_pfn rejects '%s'", s);
	result(name, parse_pfn(s, &pfn, &why) == -1 && why);
}

static const char sample[] =
	"page pfn=0x1234 head_pfn=0x1200 order=9 kind=anon node=1 refcount=3 mapcount=2 "
	"flags=uptodate,lru,head future_key=ignored\n"
	"file ino=42 dev=0:21 index=7 path=/tmp/with\\040space\n"
	"map pid=1 comm=init vaddr=0x7f0000001000 vma_start=0x7f0000000000 vma_end=0x7f0000200000 "
	"vm_flags=0x100073 level=pte writable=1 dirty=0 young=1 soft_dirty=1 uffd_wp=0\n"
	"map pid=77 comm=a\\134b vaddr=0x400000 vma_start=0x400000 vma_end=0x600000 vm_flags=0x75 "
	"level=pmd writable=0 dirty=1 young=0 soft_dirty=0 uffd_wp=0\n"
	"end mappings=2 verdict=complete attempts=1\n";

static void test_parse(void)
{
	struct report r;
	int line;

	result("report_parse sample", report_parse(&r, sample, &line) == 0);
	result("page fields", r.pfn == 0x1234 && r.head_pfn == 0x1200 && r.order == 9 && !strcmp(r.kind, "anon") &&
			      r.node == 1 && r.refcount == 3 && r.mapcount == 2 &&
			      !strcmp(r.flags, "uptodate,lru,head"));
	result("file fields and unescaping", r.has_file && r.ino == 42 && !strcmp(r.dev, "0:21") && r.index == 7 &&
					      !strcmp(r.path, "/tmp/with space"));
	result("mappings", r.nr_maps == 2 && r.maps[0].pid == 1 && r.maps[0].vaddr == 0x7f0000001000ULL &&
			   r.maps[0].writable && !r.maps[0].dirty && r.maps[0].young &&
			   !strcmp(r.maps[1].level, "pmd") && !strcmp(r.maps[1].comm, "a\\b"));
	result("verdict", !strcmp(r.verdict, "complete") && r.attempts == 1);
	report_free(&r);

	result("truncated report is an error", report_parse(&r, "page pfn=1 kind=anon\n", &line) == -1);
	report_free(&r);
	result("bad number is an error with its line",
	       report_parse(&r, "page pfn=1\nmap pid=x\nend verdict=complete\n", &line) == -1 && line == 2);
	report_free(&r);
	result("bad boolean is an error", report_parse(&r, "map writable=2\nend verdict=complete\n", &line) == -1);
	report_free(&r);
}

static void test_json(void)
{
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int line;

	report_parse(&r, sample, &line);
	report_print_json(&r, f);
	fclose(f);
	result("json shape",
	       !strncmp(buf, "{\"pfn\":4660,\"head_pfn\":4608,\"order\":9,\"kind\":\"anon\","
			     "\"flags\":[\"uptodate\",\"lru\",\"head\"],\"refcount\":3,\"mapcount\":2,\"node\":1,",
			strlen("{\"pfn\":4660,\"head_pfn\":4608,\"order\":9,\"kind\":\"anon\","
			       "\"flags\":[\"uptodate\",\"lru\",\"head\"],\"refcount\":3,\"mapcount\":2,\"node\":1,")));
	result("json addresses are hex strings", strstr(buf, "\"vaddr\":\"0x7f0000001000\"") != NULL);
	result("json escapes backslash", strstr(buf, "\"comm\":\"a\\\\b\"") != NULL);
	result("json mapping objects", strstr(buf, "\"mappings\":[{\"pid\":1,") && strstr(buf, "},{\"pid\":77,"));
	result("json ends with newline", len > 2 && !strcmp(buf + len - 3, "]}\n"));
	free(buf);

	f = open_memstream(&buf, &len);
	report_print_human(&r, f);
	fclose(f);
	result("human output names the verdict", strstr(buf, "2 mappings, verdict complete") != NULL);
	free(buf);
	report_free(&r);
}

/* Strings of any bytes and the extreme numbers come out as JSON a real parser (jq) reads back exactly. */
static void test_json_writer(void)
{
	static const char *const strings[] = {
		"plain", "quote\" backslash\\ tab\t nl\n", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"bad \xff \xc3 \xe0\x80\x80 \xed\xa0\x80 \xf4\x90\x80\x80 end", "\x7f\x01",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *jq;
	struct json j;
	int rc;

	json_init(&j, f);
	json_start_object(&j);
	json_key(&j, "strings");
	json_start_array(&j);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		json_string(&j, strings[i]);
	json_end_array(&j);
	json_key(&j, "max");
	json_uint(&j, UINT64_MAX);
	json_key(&j, "zero");
	json_uint(&j, 0);
	json_key(&j, "hex");
	json_hex(&j, 0xffffffffffffffffULL);
	json_key(&j, "none");
	json_null(&j);
	json_end_object(&j);
	fclose(f);
	/* every invalid byte is one U+FFFD: the lone 0xff, a lead byte without its tail, an overlong form, a
	 * surrogate, a code point past U+10FFFF */
	static const char cmd[] = "jq -e '.strings[1] == \"quote\\\" backslash\\\\ tab\\t nl\\n\" and "
		".strings[3] == \"bad \\ufffd \\ufffd \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
		"\\ufffd\\ufffd\\ufffd\\ufffd end\" and .strings[2] == \"caf\u00e9 \u20ac \U0001F600\"' >/dev/null";
	jq = popen(cmd, "w");
	fwrite(buf, 1, len, jq);
	rc = pclose(jq);
	result("json writer: any bytes and the extreme numbers parse (jq), escapes and U+FFFD as written", rc == 0);
	/* jq itself reads an invalid byte as U+FFFD: check that none is written */
	result("json writer: no invalid UTF-8 byte written", !strchr(buf, '\xff') && !strstr(buf, "\xc3 ") &&
	       !strstr(buf, "\xed\xa0"));
	result("json writer: numbers exact", strstr(buf, "\"max\":18446744073709551615,\"zero\":0,") &&
	       strstr(buf, "\"hex\":\"0xffffffffffffffff\",\"none\":null}"));
	if (rc)
		printf("  %s", buf);
	free(buf);
}

/* @r's JSON satisfies the jq filter @filter (jq -e). */
static bool json_satisfies(const struct report *r, const char *filter)
{
	char *buf = NULL, cmd[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *jq;

	report_print_json(r, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "jq -e '%s' >/dev/null", filter);
	jq = popen(cmd, "w");
	fwrite(buf, 1, len, jq);
	free(buf);
	return pclose(jq) == 0;
}

/* pfn -v's line for @r is @want. */
static bool cost_line_is(const struct report *r, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool same;

	report_print_cost(r, f);
	fclose(f);
	same = !strcmp(buf, want);
	if (!same)
		printf("  got: %s", buf);
	free(buf);
	return same;
}

/* The walk's cost on the end line: parsed, in JSON (parsed by jq) and in pfn -v's line; absent from old modules. */
static void test_cost(void)
{
	static const char with_cost[] = "page pfn=1 kind=anon\nend mappings=0 verdict=complete attempts=2 nodes=7 "
		"vmas=5 tables=6 lock_ns=12345 lock=anon_vma ptl_ns=2500\n";
	static const char ksm_cost[] = "page pfn=1 kind=ksm\nend mappings=2 verdict=complete attempts=1 nodes=3 "
		"vmas=2 tables=2 lock_ns=9000 lock=folio ptl_ns=1000 ksm=stable\n";
	static const char old_cost[] = "page pfn=1 kind=anon\nend mappings=0 verdict=complete attempts=1 vmas=5 "
		"tables=6\n";
	struct report r;
	int line;

	result("cost: parsed", report_parse(&r, with_cost, &line) == 0 && r.has_cost && r.has_lock_cost &&
	       r.cost_nodes == 7 && r.cost_vmas == 5 && r.cost_tables == 6 && r.cost_lock_ns == 12345 &&
	       !strcmp(r.cost_lock, "anon_vma"));
	result("cost: JSON (jq) has nodes, vmas, tables and the longest lock hold",
	       json_satisfies(&r, ".cost == {\"vmas\": 5, \"tables\": 6, \"nodes\": 7, \"longest_lock_ns\": 12345, "
			      "\"longest_lock\": \"anon_vma\", \"longest_ptl_ns\": 2500}"));
	result("cost: pfn -v's line", cost_line_is(&r, "  walk cost: 7 tree nodes, 5 vmas, 6 page-table locks, 2 "
		     "attempts; longest lock hold anon_vma 12.3 us, page-table lock 2.5 us\n"));
	report_free(&r);

	report_parse(&r, ksm_cost, &line);
	result("cost: a KSM page's JSON says how its mappings were found",
	       json_satisfies(&r, ".cost.ksm_walk == \"stable\""));
	result("cost: a KSM page's -v line", cost_line_is(&r, "  walk cost: 3 tree nodes, 2 vmas, 2 page-table locks, "
		     "1 attempt; longest lock hold folio 9.0 us, page-table lock 1.0 us; KSM stable node walked\n"));
	report_free(&r);

	report_parse(&r, old_cost, &line);
	result("cost: an older module's report has no nodes, lock hold or KSM walk in JSON, rather than zeros",
	       json_satisfies(&r, ".cost == {\"vmas\": 5, \"tables\": 6}"));
	result("cost: an older module's -v line", cost_line_is(&r, "  walk cost: 5 vmas, 6 page-table locks, 1 attempt\n"));
	report_free(&r);
}

int main(void)
{
	pfn_ok("0", 0);
	pfn_ok("4660", 4660);
	pfn_ok("0x1234", 0x1234);
	pfn_ok("0X1aBc", 0x1abc);
	pfn_ok("18446744073709551615", 18446744073709551615ULL);
	pfn_bad("");
	pfn_bad("0x");
	pfn_bad("-1");
	pfn_bad("+1");
	pfn_bad(" 1");
	pfn_bad("12abc");
	pfn_bad("1.5");
	pfn_bad("18446744073709551616");
	pfn_bad("0x10000000000000000");
	test_parse();
	test_json();
	test_json_writer();
	test_cost();
	return failed ? 1 : 0;
}
