// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs interface of rmap_probe: /sys/kernel/debug/rmap_probe/.
 *
 *   version  the module's version
 *   query    write a PFN (decimal, or hex with 0x), read the report back; or write "range START END" and
 *            read the reports of every PFN in [START, END) that is neither free nor a hole, then a closing
 *            range_done line; or write "pfns P1 P2 ...\n" (up to RMP_LIST_MAX, in one write) and read each
 *            one's report as a single query gives it, then a pfns_done line. Each open file has its own
 *            query, so concurrent users never see each other's answers. The format is in README.md.
 *
 * A range or a list is answered as it is read, a batch of pages per read(): the work and text of one read
 * are bounded, a signal ends it (the read restarts where the request was), and no lock but this file's own is
 * held between (or during) the queries of a batch.
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
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "rmap_probe.h"

#define RMP_REQUEST_MAX 64
/*
 * Pages a range or a list reports per read(), and the text they may take: bounded work and memory per system
 * call (a page mapped thousands of times has a long report), few enough to answer a signal soon.
 */
#define RMP_BATCH_REPORTS 64
#define RMP_BATCH_TEXT (1 << 20)
/*
 * A list request: PFNs written at once (rmapctl pid sends a pagemap chunk, 512), and the bytes that may take:
 * "pfns", and a space and up to 19 characters each (a PFN of x86-64's 46-bit physical addresses is 11
 * decimal digits, or 0x and 9 hex digits), and the newline.
 */
#define RMP_LIST_MAX 4096
#define RMP_LIST_REQUEST_MAX (4 + RMP_LIST_MAX * 20 + 1)

/* A list request's progress: its PFNs, the next to report. */
struct rmp_list {
	unsigned long *pfns;
	unsigned int nr, next;
	bool done;			/* the closing line is written */
};

static struct dentry *rmap_probe_dir;

/* What the last write asked for. */
enum rmp_request { RMP_NONE, RMP_ONE, RMP_RANGE, RMP_LIST };

/*
 * One open query file: the last answer, formatted; for a range or a list, its batch being read (text, up to
 * text_off) and where the request is.
 */
struct rmp_query_file {
	struct mutex lock;	/* one request at a time per file */
	struct rmp_report report;
	struct rmp_text text;
	enum rmp_request request;	/* RMP_NONE: none answered yet */
	size_t text_off;
	struct rmp_range range;
	struct rmp_list list;
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
	kvfree(q->list.pfns);
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

/* "123" or "0x7b": no sign, no octal. */
static int rmp_parse_number(char *s, unsigned long *v)
{
	unsigned int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	/* digits only: kstrtoul() would also take a sign, and "0x" again after ours ("0x0x1f") */
	if (!rmp_all_digits(s, base))
		return -EINVAL;
	return kstrtoul(s, base, v);
}

/* One past the highest PFN this machine's physical address space can hold. */
static unsigned long rmp_pfn_limit(void)
{
	return 1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT);
}

/*
 * A request: a PFN, or "range START END" (END excluded, START below it), with an optional newline; single
 * spaces between words, no NUL bytes. @range is set for a range.
 */
static int rmp_parse_request(const char __user *ubuf, size_t count, unsigned long *pfn, struct rmp_range *range,
			     bool *is_range)
{
	char buf[RMP_REQUEST_MAX + 1], *s, *start, *end;
	int ret;

	if (count == 0 || count > RMP_REQUEST_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (memchr(buf, '\0', count))
		return -EINVAL;
	buf[count] = '\0';
	s = strim(buf);
	*is_range = !strncmp(s, "range ", 6);
	if (!*is_range)
		return rmp_parse_number(s, pfn);
	start = s + 6;
	end = strchr(start, ' ');
	if (!end)
		return -EINVAL;
	*end++ = '\0';
	memset(range, 0, sizeof(*range));
	ret = rmp_parse_number(start, &range->start) ?: rmp_parse_number(end, &range->end);
	if (ret)
		return ret;
	if (range->start >= range->end)
		return -EINVAL;
	if (range->end > rmp_pfn_limit())
		return -ERANGE;
	range->next = range->start;
	return 0;
}

/*
 * "pfns P1 P2 ...\n": at most RMP_LIST_MAX PFNs (E2BIG beyond), each written as a single query's (EINVAL
 * otherwise; one with no memory gets its error line, ENXIO, as its single query would fail), separated by
 * single spaces, and the newline: a write cut short (stdio splits what it buffers) must not pass for a list
 * whose last PFN is cut.
 */
static int rmp_parse_list(const char __user *ubuf, size_t count, struct rmp_list *list)
{
	char *buf, *s, *word;
	unsigned long pfn;
	size_t max;
	int ret = 0;

	if (count > RMP_LIST_REQUEST_MAX)
		return -E2BIG;
	/* a PFN takes two bytes at least, with its space: room for what this write can hold */
	max = min_t(size_t, RMP_LIST_MAX + 1, count / 2);
	buf = kvmalloc(count + 1, GFP_KERNEL_ACCOUNT);
	list->pfns = kvmalloc_array(max, sizeof(*list->pfns), GFP_KERNEL_ACCOUNT);
	list->nr = 0;
	list->next = 0;
	list->done = false;
	if (!buf || !list->pfns) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(buf, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	buf[count] = '\0';
	/* what was peeked at may have changed since: this copy is checked whole */
	if (memchr(buf, '\0', count) || buf[count - 1] != '\n' || strncmp(buf, "pfns ", 5)) {
		ret = -EINVAL;
		goto out;
	}
	buf[count - 1] = '\0';
	s = buf + 5;
	while (!ret && (word = strsep(&s, " "))) {
		if (list->nr == RMP_LIST_MAX)
			ret = -E2BIG;
		else if (list->nr == max)
			ret = -EINVAL;	/* more words than the bytes allow: empty ones */
		else
			ret = rmp_parse_number(word, &pfn);
		if (!ret)
			list->pfns[list->nr++] = pfn;
	}
out:
	kvfree(buf);
	if (ret) {
		kvfree(list->pfns);
		list->pfns = NULL;
		list->nr = 0;
	}
	return ret;
}

/* Is this write a list request? Its first bytes say. */
static bool rmp_is_list(const char __user *ubuf, size_t count)
{
	char head[5];

	return count > sizeof(head) && !copy_from_user(head, ubuf, sizeof(head)) && !memcmp(head, "pfns ", 5);
}

static ssize_t query_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct rmp_query_file *q = file->private_data;
	struct rmp_list list = {};
	struct rmp_range range;
	unsigned long pfn = 0;
	bool is_range = false, is_list = rmp_is_list(ubuf, count);
	int ret;

	/* parsed (and the list allocated) before the lock: nothing here waits for another writer */
	if (is_list)
		ret = rmp_parse_list(ubuf, count, &list);
	else
		ret = rmp_parse_request(ubuf, count, &pfn, &range, &is_range);
	if (ret)
		return ret;
	/* killable: another writer on this file may be in a long KSM search */
	if (mutex_lock_killable(&q->lock)) {
		kvfree(list.pfns);
		return -EINTR;
	}
	q->request = RMP_NONE;
	kvfree(q->list.pfns);
	q->list = list;
	if (is_list) {
		/* answered as it is read */
		q->request = RMP_LIST;
		q->text.len = 0;
		q->text_off = 0;
		mutex_unlock(&q->lock);
		return count;
	}
	if (is_range) {
		/* answered as it is read */
		q->range = range;
		q->request = RMP_RANGE;
		q->text.len = 0;
		q->text_off = 0;
		mutex_unlock(&q->lock);
		return count;
	}
	ret = rmp_query(pfn, &q->report);
	if (!ret) {
		q->text.len = 0;
		q->text.err = 0;
		rmp_format(&q->text, &q->report);
		ret = q->text.err;
	}
	if (!ret) {
		q->request = RMP_ONE;
		*ppos = 0;	/* the answer is read from its start */
	}
	mutex_unlock(&q->lock);
	return ret ?: count;
}

/*
 * @pfn's report into the batch (@reports already in it), or its error line: 0 when one was added. -ENXIO
 * (no online memory) with @hole_ok is left to the caller. Otherwise an error ends the batch: with reports in
 * it, -EINTR or no memory for this one means "read the batch first, then ask this PFN again"; alone, a report
 * too big for memory becomes its error line, so that no PFN is asked forever.
 */
static int rmp_batch_add(struct rmp_query_file *q, unsigned long pfn, unsigned int reports, bool hole_ok)
{
	size_t before = q->text.len;
	int ret = rmp_query(pfn, &q->report);

	if ((ret == -ENXIO && hole_ok) || ret == -EINTR || (ret == -ENOMEM && reports))
		return ret;
	if (ret)	/* E2BIG, ENXIO in a list, or no memory for this page's answer alone: said, and passed */
		rmp_format_error(&q->text, pfn, ret);
	else
		rmp_format(&q->text, &q->report);
	ret = q->text.err;
	if (!ret)
		return 0;
	q->text.len = before;
	q->text.err = 0;
	if (reports)
		return ret;
	/* no room for this page's report alone: say so, and go on rather than ask it forever */
	rmp_format_error(&q->text, pfn, ret);
	ret = q->text.err;
	if (ret) {
		q->text.len = before;
		q->text.err = 0;
	}
	return ret;
}

/* Start a batch: empty text, nothing read of it. */
static void rmp_batch_start(struct rmp_query_file *q)
{
	q->text.len = 0;
	q->text.err = 0;
	q->text_off = 0;
}

/*
 * The closing line just formatted after @before: kept and *@done set, or taken back for the next read when
 * there was no memory for it.
 */
static int rmp_batch_close(struct rmp_query_file *q, size_t before, bool *done)
{
	int ret = q->text.err;

	if (ret) {
		q->text.len = before;
		q->text.err = 0;
	} else {
		*done = true;
	}
	return ret;
}

/* Is the batch full: RMP_BATCH_REPORTS reports or RMP_BATCH_TEXT of text? */
static bool rmp_batch_full(struct rmp_query_file *q, unsigned int reports)
{
	return reports >= RMP_BATCH_REPORTS || q->text.len >= RMP_BATCH_TEXT;
}

/*
 * The range's next batch into q->text: up to RMP_BATCH_REPORTS reports, and at its end the closing line. Holes
 * and free blocks in between are skipped without a report, however many (each step is cheap and rescheduled).
 * A report is added whole or not at all: on an error the batch so far is read first, and the PFN that failed
 * is asked again by the next read, which then returns the error if it persists.
 */
static int rmp_range_fill(struct rmp_query_file *q)
{
	struct rmp_range *range = &q->range;
	unsigned int reports = 0;
	unsigned long skip;
	size_t before;
	bool hole;
	int ret = 0;

	rmp_batch_start(q);
	while (range->next < range->end && !rmp_batch_full(q, reports)) {
		cond_resched();
		/* any signal: the batch so far is read, or the read restarts (the range resumes where it was) */
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		skip = rmp_range_skip(range->next, range->end, &hole);
		if (skip) {
			if (hole)
				range->holes += skip;
			else
				range->free += skip;
			range->next += skip;
			continue;
		}
		ret = rmp_batch_add(q, range->next, reports, true);
		if (ret == -ENXIO) {
			range->holes++;	/* offlined since the look */
			range->next++;
			ret = 0;
			continue;
		}
		if (ret)
			break;	/* read what there is; this page again on the next read */
		range->reported++;
		range->next++;
		reports++;
	}
	if (!ret && range->next >= range->end && !range->done) {
		before = q->text.len;
		rmp_format_range_done(&q->text, range);
		ret = rmp_batch_close(q, before, &range->done);
	}
	return q->text.len ? 0 : ret;
}

/* The list's next batch into q->text, as a range's, every PFN reported as a single query reports it. */
static int rmp_list_fill(struct rmp_query_file *q)
{
	struct rmp_list *list = &q->list;
	unsigned int reports = 0;
	size_t before;
	int ret = 0;

	rmp_batch_start(q);
	while (list->next < list->nr && !rmp_batch_full(q, reports)) {
		cond_resched();
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		ret = rmp_batch_add(q, list->pfns[list->next], reports, false);
		if (ret)
			break;	/* read what there is; this PFN again on the next read */
		list->next++;
		reports++;
	}
	if (!ret && list->next >= list->nr && !list->done) {
		before = q->text.len;
		rmp_format_list_done(&q->text, list->nr);
		ret = rmp_batch_close(q, before, &list->done);
	}
	return q->text.len ? 0 : ret;
}

/*
 * A range's or a list's answer: the rest of the current batch, or the next one; 0 (end of file) after the
 * closing line.
 */
static ssize_t rmp_batch_read(struct rmp_query_file *q, char __user *ubuf, size_t count)
{
	size_t n;
	int ret;

	if (q->text_off == q->text.len) {
		if (q->request == RMP_RANGE ? q->range.done : q->list.done)
			return 0;
		ret = q->request == RMP_RANGE ? rmp_range_fill(q) : rmp_list_fill(q);
		if (ret)
			return ret;
	}
	n = min(count, q->text.len - q->text_off);
	if (copy_to_user(ubuf, q->text.buf + q->text_off, n))
		return -EFAULT;
	q->text_off += n;
	/* a batch that grew the buffer past its budget (one huge report) does not keep it for the next */
	if (q->text_off == q->text.len && q->text.cap > 2 * RMP_BATCH_TEXT) {
		kvfree(q->text.buf);
		q->text.buf = NULL;
		q->text.len = 0;
		q->text.cap = 0;
		q->text_off = 0;
	}
	return n;
}

static ssize_t query_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct rmp_query_file *q = file->private_data;
	ssize_t ret;

	if (mutex_lock_killable(&q->lock))
		return -EINTR;
	if (q->request == RMP_RANGE || q->request == RMP_LIST)
		ret = rmp_batch_read(q, ubuf, count);
	else if (q->request == RMP_ONE)
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
