/* SPDX-License-Identifier: GPL-2.0 */
/* A small JSON writer, after bpftool's json_writer: commas and nesting are its business, not the caller's. */
#ifndef RMAPCTL_JSON_H
#define RMAPCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
};

void json_init(struct json *j, FILE *out);
void json_start_object(struct json *j);
void json_end_object(struct json *j);
void json_start_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_hex(struct json *j, uint64_t v); /* "0x…": addresses are strings, as JSON numbers lose bits */

#endif
