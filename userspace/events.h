/* SPDX-License-Identifier: GPL-2.0 */
/* One tracing event, printed for people or written as JSON (events.c). */
#ifndef RMAPCTL_EVENTS_H
#define RMAPCTL_EVENTS_H

#include <stdio.h>
#include "json.h"
#include "rmap_trace.h"

#include <stdint.h>

/* One line; @wall_offset_ns: 0 prints seconds since boot, else what turns CLOCK_MONOTONIC into the wall clock. */
void event_print(const struct rmp_event *e, int64_t wall_offset_ns, FILE *out);
void event_print_header(int64_t wall_offset_ns, FILE *out);
void event_write_json(struct json *j, const struct rmp_event *e);

#endif
