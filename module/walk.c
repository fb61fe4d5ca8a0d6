// SPDX-License-Identifier: GPL-2.0
/*
 * The reverse walks of anonymous and file folios: our copies of rmap_walk_anon() and rmap_walk_file() with
 * the locking of folio_lock_anon_vma_read() and the folio lock (the lock order is in query.c).
 */
#include <linux/fs.h>
#include <linux/interval_tree_generic.h>
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
 * The kernel's own interval-tree search (mm/interval_tree.c), instantiated here over the same nodes: the
 * kernel keeps their rb_subtree_last current, and its iterators are not exported. Only the lookups are used.
 */
INTERVAL_TREE_DEFINE(struct vm_area_struct, shared.rb, unsigned long, shared.rb_subtree_last,
		     rmp_vma_start_pgoff, rmp_vma_last_pgoff, static inline, rmp_file_tree)
INTERVAL_TREE_DEFINE(struct anon_vma_chain, rb, unsigned long, rb_subtree_last,
		     rmp_avc_start_pgoff, rmp_avc_last_pgoff, static inline, rmp_anon_tree)

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
	int ret = 0, tries = 0;

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
	/*
	 * Without the folio lock, folio_move_anon_rmap() may have given the folio another anon_vma meanwhile
	 * (UFFDIO_MOVE, 6.8+, moves it to a tree with another root): look again, as folio_lock_anon_vma_read()
	 * does from 6.8 on. Harmless before, where only a COW reuse moves it, within the same root.
	 */
	if (unlikely((unsigned long)READ_ONCE(folio->mapping) != mapping)) {
		up_read(&root->rwsem);
		rcu_read_unlock();
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
		return 0;
	}
	rcu_read_unlock();

	for (avc = rmp_anon_tree_iter_first(&anon_vma->rb_root, pgoff, pgoff); avc;
	     avc = rmp_anon_tree_iter_next(avc, pgoff, pgoff)) {
		addr = rmp_vma_address(avc->vma, rmp_vma_anon_pgoff(avc->vma), pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, avc->vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	up_read(&root->rwsem);
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
	struct inode *inode = NULL;
	int ret = 0;

	if (!folio_trylock(folio))
		return -EAGAIN;
	mapping = rmp_file_mapping(folio);
	if (!mapping)
		goto unlock_folio;	/* truncated, or no longer a file page */
	rmp_describe_file(r, mapping, folio, page);
	if (!i_mmap_trylock_read(mapping)) {
		ret = -EAGAIN;
		goto unlock_folio;
	}
	for (vma = rmp_file_tree_iter_first(&mapping->i_mmap, pgoff, pgoff); vma;
	     vma = rmp_file_tree_iter_next(vma, pgoff, pgoff)) {
		addr = rmp_vma_address(vma, vma->vm_pgoff, pgoff);
		if (addr == -EFAULT)
			continue;
		ret = rmp_check_vma(r, vma, addr, pfn);
		if (ret)
			break;
		cond_resched();
	}
	i_mmap_unlock_read(mapping);
	/* the folio lock pins the inode (it is in its page cache) until our own reference is taken */
	if (!ret && !r->path[0])
		inode = igrab(mapping->host);
unlock_folio:
	folio_unlock(folio);
	if (inode) {
		rmp_path_of_inode(r, inode);
		iput(inode);	/* may evict an unlinked file: no lock held here */
	}
	return ret;
}

