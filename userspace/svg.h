/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmapctl range --svg: a physical range drawn as a grid of cells, one per pageblock (or larger, for big ranges),
 * each coloured by what most of its pages in use are (their kind, top owner or pageblock migratetype), with a
 * legend (svg.c).
 */
#ifndef RMAPCTL_SVG_H
#define RMAPCTL_SVG_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SVG_MAX_CELLS 16384
#define SVG_MAX_KEYS 24		/* kinds or owners named in the legend; the rest are "other" */

struct svg_map {
	uint64_t start, end;		/* PFNs */
	uint64_t pages_per_cell;
	size_t nr_cells;
	const char *colour_by;		/* what the keys are, for the title: "kind", "owner", "movability" */
	char keys[SVG_MAX_KEYS][48];	/* kind names, or "pid (comm)" */
	size_t nr_keys;
	uint32_t (*count)[SVG_MAX_KEYS + 1];	/* per cell, pages per key (the last: any other) */
	uint32_t *in_use;		/* per cell, pages reported */
};

/* A map of [@start, @end): cells of one pageblock (512 pages) or more, at most SVG_MAX_CELLS. 0, or -1. */
int svg_map_init(struct svg_map *m, uint64_t start, uint64_t end, const char *colour_by);
/* One page in use at @pfn, of key @key (its kind, its first mapper as "pid (comm)", its pageblock's
 * migratetype; "" none). */
void svg_map_add(struct svg_map *m, uint64_t pfn, const char *key);
/* The picture, with a title and a legend. */
void svg_map_write(const struct svg_map *m, const char *title, FILE *out);
void svg_map_free(struct svg_map *m);
#endif
