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
#include <linux/kdev_t.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "rmap_probe.h"

#define RMP_REQUEST_MAX 64

static struct dentry *rmap_probe_dir;

/* A growing text buffer: a report has one line per mapping, and a libc page can have thousands. */
struct rmp_text {
	char *buf;
	size_t len, cap;
	int err;
};

static __printf(2, 3) void rmp_printf(struct rmp_text *t, const char *fmt, ...)
{
	va_list args;
	size_t need;

	if (t->err)
		return;
	va_start(args, fmt);
	need = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (t->len + need + 1 > t->cap) {
		size_t cap = max(2 * t->cap, t->len + need + 1);
		char *buf = kvmalloc(cap, GFP_KERNEL);

		if (!buf) {
			t->err = -ENOMEM;
			return;
		}
		if (t->len)
			memcpy(buf, t->buf, t->len);
		kvfree(t->buf);
		t->buf = buf;
		t->cap = cap;
	}
	va_start(args, fmt);
	t->len += vsnprintf(t->buf + t->len, t->cap - t->len, fmt, args);
	va_end(args);
}

/* Values may hold any byte: spaces, newlines and backslashes become \ooo, as in /proc/mounts. */
static void rmp_print_escaped(struct rmp_text *t, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\\' || *s == '=' || !isprint(*s))
			rmp_printf(t, "\\%03o", (unsigned char)*s);
		else
			rmp_printf(t, "%c", *s);
	}
}

static void rmp_format(struct rmp_text *t, const struct rmp_report *r)
{
	const char *sep = "";
	size_t i;
	int bit;

	rmp_printf(t, "page pfn=0x%lx head_pfn=0x%lx order=%u kind=%s node=%d refcount=%d mapcount=%d flags=",
		   r->pfn, r->head_pfn, r->order, r->kind, r->node, r->refcount, r->mapcount);
	for (bit = 0; rmp_flag_names[bit]; bit++) {
		if (r->flags & BIT_ULL(bit)) {
			rmp_printf(t, "%s%s", sep, rmp_flag_names[bit]);
			sep = ",";
		}
	}
	rmp_printf(t, "\n");
	if (r->has_file) {
		rmp_printf(t, "file ino=%lu dev=%u:%u index=%lu path=", r->ino, MAJOR(r->dev), MINOR(r->dev),
			   r->index);
		rmp_print_escaped(t, r->path);
		rmp_printf(t, "\n");
	}
	for (i = 0; i < r->nr_maps; i++) {
		const struct rmp_mapping *m = &r->maps[i];

		rmp_printf(t, "map pid=%d comm=", m->pid);
		rmp_print_escaped(t, m->comm);
		rmp_printf(t, " vaddr=0x%lx vma_start=0x%lx vma_end=0x%lx vm_flags=0x%lx level=%s",
			   m->vaddr, m->vma_start, m->vma_end, m->vm_flags, rmp_level_names[m->level]);
		rmp_printf(t, " writable=%d dirty=%d young=%d soft_dirty=%d uffd_wp=%d\n",
			   m->writable, m->dirty, m->young, m->soft_dirty, m->uffd_wp);
	}
	rmp_printf(t, "end mappings=%zu verdict=%s attempts=%u", r->nr_maps, rmp_verdict_names[r->verdict],
		   r->attempts);
	if (r->note) {
		rmp_printf(t, " note=");
		rmp_print_escaped(t, r->note);
	}
	rmp_printf(t, "\n");
}

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

/* "123" or "0x7b", with an optional newline; no sign, no octal, no NUL bytes. */
static int rmp_parse_pfn(const char __user *ubuf, size_t count, unsigned long *pfn)
{
	char buf[RMP_REQUEST_MAX + 1];
	char *s;

	if (count == 0 || count > RMP_REQUEST_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (memchr(buf, '\0', count))
		return -EINVAL;
	buf[count] = '\0';
	s = strim(buf);
	if (s[0] == '+')
		return -EINVAL;	/* kstrtoul() would take it */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return kstrtoul(s + 2, 16, pfn);
	return kstrtoul(s, 10, pfn);
}

static ssize_t query_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct rmp_query_file *q = file->private_data;
	unsigned long pfn;
	int ret;

	ret = rmp_parse_pfn(ubuf, count, &pfn);
	if (ret)
		return ret;
	mutex_lock(&q->lock);
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

	mutex_lock(&q->lock);
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
