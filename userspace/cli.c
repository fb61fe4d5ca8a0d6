// SPDX-License-Identifier: GPL-2.0
/*
 * What every rmapctl command shares: its name in messages, how it fails, and how it reads numbers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "json.h"
#include "rmapctl.h"

const char *prog = "rmapctl";
bool json_mode;

static void json_error(int code, const char *msg)
{
	struct json j;

	fflush(stdout);
	json_init(&j, stdout);
	json_start_object(&j);
	json_key(&j, "error");
	json_start_object(&j);
	json_key(&j, "message");
	json_string(&j, msg);
	json_key(&j, "exit_code");
	json_uint(&j, (uint64_t)code);
	json_end_object(&j);
	json_end_object(&j);
	fflush(stdout);
}

int fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, msg);
	if (json_mode)
		json_error(code, msg);
	return code;
}

int fail_usage(void (*usage)(FILE *out))
{
	usage(stderr);
	if (json_mode)
		json_error(EXIT_USAGE, "bad arguments: see the usage on standard error");
	return EXIT_USAGE;
}

void json_mode_from_args(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--json-lines") || !strcmp(argv[i], "-j"))
			json_mode = true;
}

int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	*v = strtoull(s, &end, 0);
	return errno || *end || *v > max ? -1 : 0;
}

/* Whether this process holds @cap in its effective set (what the kernel checks, not the uid). */
bool have_capability(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3 || syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}
