// SPDX-License-Identifier: GPL-2.0
/* rmap_probe: who maps this physical page? Module init; the query is in query.c, its interface in debugfs.c. */
#include <linux/module.h>
#include "rmap_probe.h"

static int __init rmap_probe_init(void)
{
	rmp_ksm_init();
	return rmap_probe_debugfs_init();
}

static void __exit rmap_probe_exit(void)
{
	rmap_probe_debugfs_exit();
}

module_init(rmap_probe_init);
module_exit(rmap_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Reverse-map inspector: which page tables map a given PFN");
MODULE_VERSION(RMAP_PROBE_VERSION);
