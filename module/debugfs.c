// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs interface of rmap_probe: /sys/kernel/debug/rmap_probe/.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include "rmap_probe.h"

static struct dentry *rmap_probe_dir;

static int version_show(struct seq_file *m, void *unused)
{
	seq_puts(m, RMAP_PROBE_VERSION "\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

int rmap_probe_debugfs_init(void)
{
	rmap_probe_dir = debugfs_create_dir("rmap_probe", NULL);
	if (IS_ERR(rmap_probe_dir))
		return PTR_ERR(rmap_probe_dir);
	debugfs_create_file("version", 0400, rmap_probe_dir, NULL, &version_fops);
	return 0;
}

void rmap_probe_debugfs_exit(void)
{
	debugfs_remove_recursive(rmap_probe_dir);
}
