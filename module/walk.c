// SPDX-License-Identifier: GPL-2.0
/*
 * The reverse walks of anonymous and file folios: our copies of rmap_walk_anon() and rmap_walk_file() with
 * the locking of folio_lock_anon_vma_read() and the folio lock (the lock order is in query.c).
 */
#include <linux/fs.h>
#include <linux/rbtree.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/slab.h>
#include "compat.h"
#include "rmap_probe.h"

/* Tries at the anon_vma lock when the folio keeps moving to another anon_vma. */
#define RMP_ANON_RETRIES 4

static inline unsigned long rmp_vma_start_pgoff(struct vm_area_struct *vma)
{
	return vma->vm_pgoff;
}

static inline unsigned long rmp_vma_last_pgoff(struct vm_area_struct *vma)
{
	return vma->vm_pgoff + vma_pages(vma) - 1;
}

static inline unsigned long rmp_avc_start_pgoff(struct anon_vma_chain *avc)
{
	return rmp_vma_anon_pgoff(avc->vma);
}

static inline unsigned long rmp_avc_last_pgoff(struct anon_vma_chain *avc)
{
	return rmp_vma_anon_pgoff(avc->vma) + vma_pages(avc->vma) - 1;
}

/*
 * The kernel's interval-tree search (include/linux/interval_tree_generic.h: _subtree_search(), _iter_first(),
 * _iter_next(); its iterators are not exported), for the one point @pgoff, repeated here to count the nodes it
 * visits: what a walk costs beyond the vmas it checks (a tree grown by fork holds a node per process). Only
 * reads: the kernel keeps the subtree maxima current under the tree's lock, which the caller holds. One
 * search for both trees: @ops, constant at each call, is inlined away.
 */
struct rmp_tree_ops {
	unsigned long (*start)(struct rb_node *rb);
	unsigned long (*last)(struct rb_node *rb);
	unsigned long (*subtree_last)(struct rb_node *rb);
};

static __always_inline struct rb_node *rmp_tree_search(struct rb_node *node, unsigned long pgoff,
						       unsigned long *visits, const struct rmp_tree_ops *ops)
{
	for (;;) {
		++*visits;
		if (node->rb_left && pgoff <= ops->subtree_last(node->rb_left)) {
			node = node->rb_left;	/* the leftmost match is down there */
			continue;
		}
		if (ops->start(node) > pgoff)
			return NULL;
		if (pgoff <= ops->last(node))
			return node;
		node = node->rb_right;
		if (!node || pgoff > ops->subtree_last(node))
			return NULL;
	}
}

static __always_inline struct rb_node *rmp_tree_first(struct rb_root_cached *root, unsigned long pgoff,
						      unsigned long *visits, const struct rmp_tree_ops *ops)
{
	struct rb_node *node = root->rb_root.rb_node;

	if (!node || ops->subtree_last(node) < pgoff || ops->start(root->rb_leftmost) > pgoff)
		return NULL;
	return rmp_tree_search(node, pgoff, visits, ops);
}

static __always_inline struct rb_node *rmp_tree_next(struct rb_node *node, unsigned long pgoff,
						     unsigned long *visits, const struct rmp_tree_ops *ops)
{
	struct rb_node *rb = node->rb_right, *prev;

	for (;;) {
		if (rb && pgoff <= ops->subtree_last(rb))
			return rmp_tree_search(rb, pgoff, visits, ops);
		do {	/* up, until we come from a node's left child */
			rb = rb_parent(node);
			if (!rb)
				return NULL;
			prev = node;
			node = rb;
			++*visits;
			rb = node->rb_right;
		} while (prev == rb);
		if (pgoff < ops->start(node))
			return NULL;
		if (pgoff <= ops->last(node))
			return node;
	}
}

#define rmp_avc(rb) rb_entry(rb, struct anon_vma_chain, rb)
#define rmp_file_vma(rb) rb_entry(rb, struct vm_area_struct, shared.rb)

static unsigned long rmp_avc_start(struct rb_node *rb)
{
	return rmp_avc_start_pgoff(rmp_avc(rb));
}

static unsigned long rmp_avc_last(struct rb_node *rb)
{
	return rmp_avc_last_pgoff(rmp_avc(rb));
}

static unsigned long rmp_avc_subtree_last(struct rb_node *rb)
{
	return rmp_avc(rb)->rb_subtree_last;
}

static unsigned long rmp_file_start(struct rb_node *rb)
{
	return rmp_vma_start_pgoff(rmp_file_vma(rb));
}

static unsigned long rmp_file_last(struct rb_node *rb)
{
	return rmp_vma_last_pgoff(rmp_file_vma(rb));
}

static unsigned long rmp_file_subtree_last(struct rb_node *rb)
{
	return rmp_file_vma(rb)->shared.rb_subtree_last;
}

static const struct rmp_tree_ops rmp_anon_tree = { rmp_avc_start, rmp_avc_last, rmp_avc_subtree_last };
static const struct rmp_tree_ops rmp_file_tree = { rmp_file_start, rmp_file_last, rmp_file_subtree_last };

/*
 * Where @vma, whose first page has offset @vma_pgoff, maps page offset @pgoff; -EFAULT if it does not cover
 * it (as mm/internal.h:vma_address()).
 */
static unsigned long rmp_vma_address(struct vm_area_struct *vma, pgoff_t vma_pgoff, pgoff_t pgoff)
{
	unsigned long addr;

	if (pgoff < vma_pgoff)
		return -EFAULT;
	addr = vma->vm_start + ((pgoff - vma_pgoff) << PAGE_SHIFT);
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;
	return addr;
}

/* Anonymous folios: the locking of folio_lock_anon_vma_read(), then the walk of rmap_walk_anon(). */
int rmp_walk_anon(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page), mapping, addr;
	pgoff_t pgoff = rmp_page_pgoff(folio, page);
	struct anon_vma *anon_vma, *root;
	struct anon_vma_chain *avc;
	struct rb_node *rb;
	int ret = 0, tries = 0;
	u64 taken;

retry:
	rcu_read_lock();
	mapping = (unsigned long)READ_ONCE(folio->mapping);
	if (!rmp_mapping_is_anon(mapping) || !folio_mapped(folio)) {
		rcu_read_unlock();
		return 0;
	}
	/* anon_vma is SLAB_TYPESAFE_BY_RCU: its root can be read until we know it is still ours. */
	anon_vma = (struct anon_vma *)(mapping - RMP_MAPPING_ANON);
	root = READ_ONCE(anon_vma->root);
	if (!down_read_trylock(&root->rwsem)) {
		rcu_read_unlock();
		return -EAGAIN;
	}
	taken = rmp_lock_clock();
	/*
	 * Without the folio lock, folio_move_anon_rmap() may have given the folio another anon_vma meanwhile
	 * (UFFDIO_MOVE, 6.8+, moves it to a tree with another root): look again, as folio_lock_anon_vma_read()
	 * does from 6.8 on. Harmless before, where only a COW reuse moves it, within the same root.
	 */
	if (unlikely((unsigned long)READ_ONCE(folio->mapping) != mapping)) {
		up_read(&root->rwsem);
		rcu_read_unlock();
		rmp_lock_released(r, "anon_vma", taken);
		if (++tries == RMP_ANON_RETRIES)
			return -EAGAIN;
		goto retry;
	}
	/*
	 * Still mapped: then this anon_vma is still the folio's, and the lock keeps it (anon_vma_free()). Asked
	 * inside RCU, as folio_lock_anon_vma_read() does: if the folio was unmapped, the root we locked may be
	 * freed (it is SLAB_TYPESAFE_BY_RCU, so locking it was safe), and only RCU keeps its slab page for the
	 * up_read().
	 */
	if (!folio_mapped(folio)) {
		up_read(&root->rwsem);
		rcu_read_unlock();
		rmp_lock_released(r, "anon_vma", taken);
		return 0;
	}
	rcu_read_unlock();

	for (rb = rmp_tree_first(&anon_vma->rb_root, pgoff, &r->nodes, &rmp_anon_tree); rb;
	     rb = rmp_tree_next(rb, pgoff, &r->nodes, &rmp_anon_tree)) {
		avc = rmp_avc(rb);
		addr = rmp_vma_address(avc->vma, rmp_vma_anon_pgoff(avc->vma), pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, avc->vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	up_read(&root->rwsem);
	rmp_lock_released(r, "anon_vma", taken);
	return ret;
}

/*
 * The address_space of a page-cache folio; NULL for anonymous and KSM folios and for mappings with flag bits
 * (non-LRU movable pages of zsmalloc or balloon drivers), which are no address_space at all.
 */
struct address_space *rmp_file_mapping(struct folio *folio)
{
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);

	if (mapping & RMP_MAPPING_FLAGS)
		return NULL;
	return (struct address_space *)mapping;
}

/* Called with the folio locked and still in @mapping, which pins the inode against eviction. */
static void rmp_describe_file(struct rmp_report *r, struct address_space *mapping, struct folio *folio,
			      struct page *page)
{
	struct inode *inode = mapping->host;

	r->has_file = true;
	r->ino = inode->i_ino;
	r->dev = inode->i_sb->s_dev;
	r->index = rmp_page_pgoff(folio, page);
	r->hold.migrate = rmp_mapping_migrate(r, mapping);
}

/*
 * A path for a page no process maps: relative to its filesystem's root, as no mount is at hand. Called with no
 * lock held: the dput() here may be the last reference of an unlinked file's dentry, and its eviction then
 * truncates the page cache, which takes each folio's lock.
 */
static void rmp_path_of_inode(struct rmp_report *r, struct inode *inode)
{
	struct dentry *dentry = d_find_alias(inode);
	char *p;

	if (!dentry)
		return;
	p = dentry_path_raw(dentry, r->path_buf, PATH_MAX);
	if (!IS_ERR(p))
		r->path = p;
	dput(dentry);
}

/* File and shmem folios: the folio lock keeps ->mapping from truncation, i_mmap_rwsem the vma tree. */
int rmp_walk_file(struct rmp_report *r, struct folio *folio, struct page *page)
{
	unsigned long pfn = page_to_pfn(page), addr;
	pgoff_t pgoff = rmp_page_pgoff(folio, page);
	struct address_space *mapping;
	struct vm_area_struct *vma;
	struct rb_node *rb;
	struct inode *inode = NULL;
	u64 folio_taken, taken;
	int ret = 0;

	if (!folio_trylock(folio))
		return -EAGAIN;
	folio_taken = rmp_lock_clock();
	mapping = rmp_file_mapping(folio);
	if (!mapping)
		goto unlock_folio;	/* truncated, or no longer a file page */
	rmp_describe_file(r, mapping, folio, page);
	if (!i_mmap_trylock_read(mapping)) {
		ret = -EAGAIN;
		goto unlock_folio;
	}
	taken = rmp_lock_clock();
	for (rb = rmp_tree_first(&mapping->i_mmap, pgoff, &r->nodes, &rmp_file_tree); rb;
	     rb = rmp_tree_next(rb, pgoff, &r->nodes, &rmp_file_tree)) {
		vma = rmp_file_vma(rb);
		addr = rmp_vma_address(vma, vma->vm_pgoff, pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	i_mmap_unlock_read(mapping);
	rmp_lock_released(r, "i_mmap", taken);
	/* the folio lock pins the inode (it is in its page cache) until our own reference is taken */
	if (!ret && !r->path[0])
		inode = igrab(mapping->host);
unlock_folio:
	folio_unlock(folio);
	rmp_lock_released(r, "folio", folio_taken);
	if (inode) {
		rmp_path_of_inode(r, inode);
		iput(inode);	/* may evict an unlinked file: no lock held here */
	}
	return ret;
}

