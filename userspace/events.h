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
/* @frames (NULL: no "stack" key): the kernel stack the event happened on, innermost first. */
void event_write_json(struct json *j, const struct rmp_event *e, const uint64_t *frames, uint32_t nr_frames);
/* The kernel stack under an event's line, one indented frame per line. */
void event_print_stack(const uint64_t *frames, uint32_t nr_frames, FILE *out);
/* "migrate", "unmap", "zap", "pin", "unpin" */
const char *event_name(const struct rmp_event *e);
/*
 * A pin or unpin event's kernel stack, kept by id in the pin_stacks map (@stacks_fd): into @frames (room for
 * RMP_STACK_DEPTH), innermost first; how many. 0 when it has none or the map is not at hand (-1).
 */
uint32_t pin_stack(int stacks_fd, const struct rmp_event *e, uint64_t *frames);

#endif
