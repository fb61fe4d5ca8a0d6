/* SPDX-License-Identifier: GPL-2.0 */
/* One tracing event, printed for people or written as JSON (events.c). */
#ifndef RMAPCTL_EVENTS_H
#define RMAPCTL_EVENTS_H

#include <stdio.h>
#include "json.h"
#include "rmap_trace.h"

void event_print(const struct rmp_event *e, FILE *out);
void event_write_json(struct json *j, const struct rmp_event *e);

#endif
