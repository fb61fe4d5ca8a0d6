/* SPDX-License-Identifier: GPL-2.0 */
/* rmapctl vaddr (vaddr.c): from a process and an address to who maps its pages. */
#ifndef RMAPCTL_VADDR_H
#define RMAPCTL_VADDR_H
#include <stdint.h>
int cmd_vaddr(int argc, char **argv);
/* "4096", "0x1000", "64K", "2M", "1G": bytes. 0, or -1. */
int parse_size(const char *s, uint64_t *bytes);
#endif
