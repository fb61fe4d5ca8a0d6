// SPDX-License-Identifier: GPL-2.0
/*
 * rmapctl range --svg: the range as cells of one pageblock (512 pages, 2 MiB) each, or of as many pageblocks as
 * keep the picture under SVG_MAX_CELLS cells, 64 to a row, lowest PFN top left. A cell's colour is the kind (or
 * the owner) most of its pages in use have, its opacity how full of pages in use it is; a cell with none is
 * white: free, or a hole. Written by hand: no library, any browser shows it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "svg.h"

#define PAGEBLOCK 512
#define COLUMNS 64
#define CELL 12

/* Colours a reader tells apart (Okabe-Ito, then more), one per legend key; the last for "other". */
static const char *const palette[] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000",
	"#882255", "#44aa99", "#999933", "#aa4499", "#332288", "#117733", "#88ccee", "#ddcc77",
	"#661100", "#6699cc", "#aa4466", "#4477aa", "#228833", "#ccbb44", "#ee6677", "#66ccee", "#bbbbbb",
};

int svg_map_init(struct svg_map *m, uint64_t start, uint64_t end, const char *colour_by)
{
	uint64_t span = end - start;

	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->colour_by = colour_by;
	m->pages_per_cell = PAGEBLOCK;
	while ((span + m->pages_per_cell - 1) / m->pages_per_cell > SVG_MAX_CELLS)
		m->pages_per_cell *= 2;
	m->nr_cells = (size_t)((span + m->pages_per_cell - 1) / m->pages_per_cell);
	m->count = calloc(m->nr_cells, sizeof(*m->count));
	m->in_use = calloc(m->nr_cells, sizeof(*m->in_use));
	return m->count && m->in_use ? 0 : -1;
}

void svg_map_add(struct svg_map *m, uint64_t pfn, const char *key)
{
	size_t cell, k;

	if (pfn < m->start || pfn >= m->end)
		return;
	cell = (size_t)((pfn - m->start) / m->pages_per_cell);
	m->in_use[cell]++;
	if (!*key)
		return;
	for (k = 0; k < m->nr_keys && strcmp(m->keys[k], key); k++)
		;
	if (k == m->nr_keys) {
		if (m->nr_keys == SVG_MAX_KEYS) {
			m->count[cell][SVG_MAX_KEYS]++;
			return;
		}
		snprintf(m->keys[k], sizeof(m->keys[k]), "%s", key);
		m->nr_keys++;
	}
	m->count[cell][k]++;
}

static void xml_text(const char *s, FILE *out)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
}

void svg_map_write(const struct svg_map *m, const char *title, FILE *out)
{
	size_t rows = (m->nr_cells + COLUMNS - 1) / COLUMNS, legend = m->nr_keys + 2;
	unsigned int width = COLUMNS * CELL + 260, height = (unsigned int)(40 + rows * CELL);

	if (height < 40 + legend * 16)
		height = (unsigned int)(40 + legend * 16);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%u\" height=\"%u\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height);
	fputs("<text x=\"4\" y=\"16\" font-size=\"13\">", out);
	xml_text(title, out);
	fprintf(out, " (one cell: %" PRIu64 " pages, %" PRIu64 " KiB; colour: the %s most of its pages in use "
		"have; white: free or a hole)</text>\n", m->pages_per_cell, m->pages_per_cell * 4,
		m->colour_by);
	for (size_t c = 0; c < m->nr_cells; c++) {
		size_t best = SVG_MAX_KEYS;
		uint32_t most = m->count[c][SVG_MAX_KEYS];
		double fill;

		for (size_t k = 0; k < m->nr_keys; k++)
			if (m->count[c][k] > most) {
				most = m->count[c][k];
				best = k;
			}
		fill = m->in_use[c] ? 0.25 + 0.75 * m->in_use[c] / (double)m->pages_per_cell : 0;
		fprintf(out, "<rect x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" fill=\"%s\" fill-opacity=\"%.2f\" "
			"stroke=\"#dddddd\"><title>pfn 0x%" PRIx64 ": %u in use", (c % COLUMNS) * CELL,
			24 + (c / COLUMNS) * CELL, CELL, CELL,
			m->in_use[c] ? palette[best < m->nr_keys ? best : SVG_MAX_KEYS] : "#ffffff", fill,
			m->start + c * m->pages_per_cell, m->in_use[c]);
		if (m->in_use[c] && best < m->nr_keys) {
			fputs(", mostly ", out);
			xml_text(m->keys[best], out);
		}
		fputs("</title></rect>\n", out);
	}
	for (size_t k = 0; k <= m->nr_keys; k++) {
		const char *name = k < m->nr_keys ? m->keys[k] : "other";
		unsigned int y = (unsigned int)(30 + k * 16);

		fprintf(out, "<rect x=\"%d\" y=\"%u\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%u\">",
			COLUMNS * CELL + 16, y, palette[k < m->nr_keys ? k : SVG_MAX_KEYS], COLUMNS * CELL + 32, y + 9);
		xml_text(name, out);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}

void svg_map_free(struct svg_map *m)
{
	free(m->count);
	free(m->in_use);
	m->count = NULL;
	m->in_use = NULL;
}
