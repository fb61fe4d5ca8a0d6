// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of rmapctl range --svg's picture (svg.c). One PASS:/FAIL: line per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svg.h"

static int failed;

static void result(const char *name, int ok)
{
	printf("%s: unit %s\n", ok ? "PASS" : "FAIL", name);
	failed += !ok;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	struct svg_map m;
	char *doc = NULL;
	size_t len = 0;
	FILE *f;

	/* 4 pageblocks: the first mostly anon, the second one slab page, the last two empty */
	result("a range of 2048 PFNs is 4 cells of one pageblock", !svg_map_init(&m, 0x1000, 0x1800, "kind") &&
	       m.nr_cells == 4 && m.pages_per_cell == 512);
	for (int i = 0; i < 300; i++)
		svg_map_add(&m, 0x1000 + i, "anon");
	svg_map_add(&m, 0x1000 + 400, "file");
	svg_map_add(&m, 0x1200, "slab");
	svg_map_add(&m, 0x1800, "anon");	/* outside: ignored */
	f = open_memstream(&doc, &len);
	svg_map_write(&m, "range <test> & more", f);
	fclose(f);
	result("the picture is one svg element with a rect per cell and per legend key", doc &&
	       !strncmp(doc, "<?xml", 5) && strstr(doc, "<svg ") && strstr(doc, "</svg>\n") &&
	       count(doc, "<rect ") == 4 + 3 + 1);
	result("a cell says its PFN and what most of its pages are", strstr(doc, "pfn 0x1000: 301 in use, mostly anon")
	       != NULL && strstr(doc, "pfn 0x1200: 1 in use, mostly slab") != NULL);
	result("text is escaped for XML", strstr(doc, "range &lt;test&gt; &amp; more") != NULL);
	result("an empty cell is white", count(doc, "fill=\"#ffffff\"") == 2);
	/* for the XML parser the Makefile runs next */
	f = argc > 1 ? fopen(argv[1], "w") : NULL;
	if (f) {
		fputs(doc, f);
		fclose(f);
	}
	free(doc);
	svg_map_free(&m);
	/* all of a large machine: cells grow, never past the limit */
	result("1 TiB of PFNs fits in SVG_MAX_CELLS cells", !svg_map_init(&m, 0, 1ULL << 28, "owner") &&
	       m.nr_cells <= SVG_MAX_CELLS && m.pages_per_cell * m.nr_cells >= 1ULL << 28);
	svg_map_free(&m);
	return failed ? 1 : 0;
}
