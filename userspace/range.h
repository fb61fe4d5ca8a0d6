/* SPDX-License-Identifier: GPL-2.0 */
/* rmapctl range (range.c): the pages in use in a physical range, from one batched request. */
#ifndef RMAPCTL_RANGE_H
#define RMAPCTL_RANGE_H
int cmd_range(int argc, char **argv);
#endif
