// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs interface of rmap_probe: /sys/kernel/debug/rmap_probe/.
 *
 *   version  the module's version
 *   query    write a PFN (decimal, or hex with 0x), read the report back. Each open file has its own query,
 *            so concurrent users never see each other's answers. The format is in README.md.
 *
 * Who maps which physical page is sensitive (it helps Rowhammer-style attacks), so the files are root's and
 * opening the query needs CAP_SYS_ADMIN, as /proc/<pid>/pagemap's PFNs do.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "rmap_probe.h"

#define RMP_REQUEST_MAX 64

static struct dentry *rmap_probe_dir;

/* One open query file: the last answer, formatted. */
struct rmp_query_file {
	struct mutex lock;	/* one request at a time per file */
	struct rmp_report report;
	struct rmp_text text;
	bool answered;
};

static int query_open(struct inode *inode, struct file *file)
{
	struct rmp_query_file *q;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	mutex_init(&q->lock);
	file->private_data = q;
	return nonseekable_open(inode, file);
}

static int query_release(struct inode *inode, struct file *file)
{
	struct rmp_query_file *q = file->private_data;

	rmp_report_free(&q->report);
	kvfree(q->text.buf);
	mutex_destroy(&q->lock);
	kfree(q);
	return 0;
}

static bool rmp_all_digits(const char *s, unsigned int base)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (base == 16 ? !isxdigit(*s) : !isdigit(*s))
			return false;
	return true;
}

/* "123" or "0x7b", with an optional newline; no sign, no octal, no NUL bytes. */
static int rmp_parse_pfn(const char __user *ubuf, size_t count, unsigned long *pfn)
{
	char buf[RMP_REQUEST_MAX + 1];
	unsigned int base = 10;
	char *s;

	if (count == 0 || count > RMP_REQUEST_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (memchr(buf, '\0', count))
		return -EINVAL;
	buf[count] = '\0';
	s = strim(buf);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	/* digits only: kstrtoul() would also take a sign, and "0x" again after ours ("0x0x1f") */
	if (!rmp_all_digits(s, base))
		return -EINVAL;
	return kstrtoul(s, base, pfn);
}

static ssize_t query_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct rmp_query_file *q = file->private_data;
	unsigned long pfn;
	int ret;

	ret = rmp_parse_pfn(ubuf, count, &pfn);
	if (ret)
		return ret;
	/* killable: another writer on this file may be in a long KSM search */
	if (mutex_lock_killable(&q->lock))
		return -EINTR;
	q->answered = false;
	ret = rmp_query(pfn, &q->report);
	if (!ret) {
		q->text.len = 0;
		q->text.err = 0;
		rmp_format(&q->text, &q->report);
		ret = q->text.err;
	}
	if (!ret) {
		q->answered = true;
		*ppos = 0;	/* the answer is read from its start */
	}
	mutex_unlock(&q->lock);
	return ret ?: count;
}

static ssize_t query_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct rmp_query_file *q = file->private_data;
	ssize_t ret;

	if (mutex_lock_killable(&q->lock))
		return -EINTR;
	if (q->answered)
		ret = simple_read_from_buffer(ubuf, count, ppos, q->text.buf, q->text.len);
	else
		ret = -ENODATA;	/* write a PFN first */
	mutex_unlock(&q->lock);
	return ret;
}

static const struct file_operations query_fops = {
	.owner = THIS_MODULE,
	.open = query_open,
	.release = query_release,
	.read = query_read,
	.write = query_write,
};

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
	debugfs_create_file("query", 0600, rmap_probe_dir, NULL, &query_fops);
	return 0;
}

void rmap_probe_debugfs_exit(void)
{
	debugfs_remove_recursive(rmap_probe_dir);
}
