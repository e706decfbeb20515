/* ctx_regions.c - what a checking-mode run may touch in a native context.
 *
 * The checking interpreter traps any access outside the regions it is
 * given.  Handing it the whole context and packet buffer would let a read
 * past data_end (into the tailroom) or a write over the real packet
 * pointers go unnoticed, which is exactly what an unsound verifier lets
 * through.  So the regions follow the type's descriptor (hooks.def): one
 * per context field with its rights, the readable runs of an opaque
 * context, the real packet pointers read-only, and the packet exactly
 * [data_meta, data_end).  Helpers that move or grow the packet add the new
 * bytes as a region themselves (linux_pkt.c).
 */
#include <stdint.h>
#include <stdio.h>

#include "hooks/ctx.h"
#include "hooks/hooks.h"

static size_t put(struct anybpf_region *out, size_t k, size_t max, void *base, size_t len,
		  unsigned flags, const char *name)
{
	if (k < max && len)
		out[k++] = (struct anybpf_region){ base, len, flags, name };
	return k;
}

size_t ctx_check_regions(const struct ctx_run *r, struct anybpf_region *out, size_t max)
{
	const struct hook *h = r->hook;
	const struct ctx_field *last = NULL;
	char why[128];
	size_t k = 0;
	int64_t run_lo = -1;

	for (int64_t off = 0; off <= (int64_t)h->ctx_size; off++) {
		const struct ctx_field *f = NULL;
		int rd = off < (int64_t)h->ctx_size &&
			 hook_ctx_access(h, off, 1, 0, &f, why, sizeof(why)) == 0;
		if (off < (int64_t)h->ctx_size && f) {
			if (f != last)
				k = put(out, k, max, r->ctx + f->off, f->size,
					f->access == CTXA_RW ? ANYBPF_REGION_RW : ANYBPF_REGION_R, f->name);
			last = f;
			continue;
		}
		/* opaque contexts: runs of readable bytes */
		if (rd && run_lo < 0)
			run_lo = off;
		if (!rd && run_lo >= 0) {
			k = put(out, k, max, r->ctx + run_lo, (size_t)(off - run_lo), ANYBPF_REGION_R, "ctx");
			run_lo = -1;
		}
	}
	struct anybpf_helper_pkt *pk = ctx_pkt(r);
	if (pk) {
		k = put(out, k, max, pk, sizeof(*pk), ANYBPF_REGION_R, "ctx packet pointers");
		uint8_t *lo = pk->data_meta && pk->data_meta < pk->data ? pk->data_meta : pk->data;
		if (lo && pk->data_end > lo)
			k = put(out, k, max, lo, (size_t)(pk->data_end - lo),
				h->flags & HOOK_PKT_W ? ANYBPF_REGION_RW : ANYBPF_REGION_R, "packet");
	}
	return k;
}
