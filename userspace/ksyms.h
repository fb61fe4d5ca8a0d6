/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel addresses to "function+0xoff", from /proc/kallsyms (ksyms.c): trace --stack's frames. */
#ifndef RMAPCTL_KSYMS_H
#define RMAPCTL_KSYMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a name ksym_name() writes: the kernel's longest symbol (KSYM_NAME_LEN), its module, an offset. */
#define KSYM_NAME_MAX 640

/* Read /proc/kallsyms's text symbols (after the programs load: theirs too); 0, or a negative errno (addresses
 * hidden: -EPERM). */
int ksyms_load(void);
/* "function+0x1a" ("function+0x1a [module]" in a module), or the bare address when no symbol covers it. */
const char *ksym_name(uint64_t addr, char *buf, size_t len);
/* In a BPF program or trampoline: the frames a tracing program's own stack starts with. */
bool ksym_is_bpf(uint64_t addr);
/* A tracing program's stack from the hooked function on: its own and its trampoline's frames left out. */
uint32_t ksym_skip_bpf(const uint64_t **frames, uint32_t nr_frames);
#endif
