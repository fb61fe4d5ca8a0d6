// SPDX-License-Identifier: GPL-2.0
/* Owns the maps and settings every tracing program shares (common.bpf.h). */
#define RMP_DEFINE
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";
