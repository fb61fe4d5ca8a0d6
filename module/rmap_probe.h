/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RMAP_PROBE_H
#define RMAP_PROBE_H

#define RMAP_PROBE_VERSION "0.1.0"

int rmap_probe_debugfs_init(void);
void rmap_probe_debugfs_exit(void);

#endif /* RMAP_PROBE_H */
