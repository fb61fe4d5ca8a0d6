/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmapctl's tracing side: `trace`, `record` and the history behind `pfn --history`, over the BPF programs in
 * bpf/ (skeleton rmap_trace.skel.h).
 */
#ifndef RMAPCTL_TRACE_H
#define RMAPCTL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include "json.h"

int cmd_trace(int argc, char **argv);
int cmd_record(int argc, char **argv);

/*
 * What the flight recorder saw for @pfn, oldest first, following migrations to where the contents live now.
 * Prints the events (human or as "history" and "now_pfn" members of the open JSON object @j) and sets
 * *now_pfn. Returns an rmapctl exit code; 0 also when the recorder saw nothing.
 */
int history_print(uint64_t pfn, struct json *j, uint64_t *now_pfn);

/*
 * The flight recorder's account of the pins of the folio at @head_pfn: 1 with its newest long-term pinner in
 * *@owner and its kernel stack (room for RMP_STACK_DEPTH frames, from the pinning call on); 0 if it holds
 * none open; -1 if no recorder runs; -2 if the recorder follows no pins.
 */
struct rmp_pin_owner;
int pin_owner_lookup(uint64_t head_pfn, struct rmp_pin_owner *owner, uint64_t *frames, uint32_t *nr_frames);

#endif
