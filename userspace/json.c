// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include "json.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
}

static void json_separate(struct json *j)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, char c)
{
	json_separate(j);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->out);
}

void json_start_object(struct json *j) { json_open(j, '{'); }
void json_end_object(struct json *j) { json_close(j, '}'); }
void json_start_array(struct json *j) { json_open(j, '['); }
void json_end_array(struct json *j) { json_close(j, ']'); }

static void json_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	json_separate(j);
	json_quoted(j->out, key);
	fputc(':', j->out);
	j->first[j->depth] = true; /* the value that follows takes no comma */
}

void json_string(struct json *j, const char *s)
{
	json_separate(j);
	json_quoted(j->out, s);
}

void json_uint(struct json *j, uint64_t v)
{
	json_separate(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
	json_separate(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	json_separate(j);
	fputs(v ? "true" : "false", j->out);
}

void json_hex(struct json *j, uint64_t v)
{
	json_separate(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}
