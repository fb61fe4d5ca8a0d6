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
		putc(',', j->out);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, char c)
{
	json_separate(j);
	putc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	putc(c, j->out);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		putc('\n', j->out);
}

void json_start_object(struct json *j) { json_open(j, '{'); }
void json_end_object(struct json *j) { json_close(j, '}'); }
void json_start_array(struct json *j) { json_open(j, '['); }
void json_end_array(struct json *j) { json_close(j, ']'); }

/* Bytes of the valid UTF-8 sequence at @s (1 to 4), or 0 if none starts there. */
static int utf8_length(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
		s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3- and 4-byte forms, UTF-16 surrogates, past U+10FFFF */
	if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) ||
	    (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))))
		return 0;
	return n;
}

/*
 * A JSON string: quotes, backslashes and control characters escaped, and a byte that is not valid UTF-8
 * (a file name or comm can hold any bytes; JSON text is UTF-8) written as U+FFFD, as a JSON parser demands.
 */
static void json_quoted(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run;
	int n;

	putc('"', out);
	while (*s) {
		/* plain ASCII in one write: trace prints a million of these a minute */
		for (run = s; *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\'; s++)
			;
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), out);
		if (!*s)
			break;
		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s < 0x20) {
			fprintf(out, "\\u%04x", *s++);
		} else if ((n = utf8_length(s))) {
			fwrite(s, 1, (size_t)n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
	putc('"', out);
}

/* @v in @base (10 or 16, lower case) into the end of @buf; its first digit. printf is the trace's hot spot. */
static char *json_digits(char *end, uint64_t v, unsigned int base)
{
	*--end = '\0';
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

void json_key(struct json *j, const char *key)
{
	json_separate(j);
	json_quoted(j->out, key);
	putc(':', j->out);
	j->first[j->depth] = true; /* the value that follows takes no comma */
}

void json_string(struct json *j, const char *s)
{
	json_separate(j);
	json_quoted(j->out, s);
}

void json_uint(struct json *j, uint64_t v)
{
	char buf[24];

	json_separate(j);
	fputs(json_digits(buf + sizeof(buf), v, 10), j->out);
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
	char buf[24];

	json_separate(j);
	fputs("\"0x", j->out);
	fputs(json_digits(buf + sizeof(buf), v, 16), j->out);
	putc('"', j->out);
}

void json_null(struct json *j)
{
	json_separate(j);
	fputs("null", j->out);
}
