// TCP options (up to 40 of them) at the start of the packet: a counter per
// option kind, only stored into a map value.  UNSAFE=1: one counter is
// also used as an index into the map value without a bounds check, which
// pruning must not hide (rejected).
#include "prec.h"

struct st {
	unsigned mss, ws, sackok, ts, sack, nop, other;
	unsigned char by_kind[16];
};

struct {
	int (*type)[BPF_MAP_TYPE_ARRAY];
	int (*max_entries)[1];
	unsigned *key;
	struct st *value;
} stats SEC(".maps");

SEC("xdp") int tcp_options(struct xdp_md *ctx)
{
	unsigned char *opt = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	unsigned mss = 0, ws = 0, sackok = 0, ts = 0, sack = 0, nop = 0, other = 0;
	unsigned off = 0, optlen = 40;
	for (int i = 0; i < 40; i++) {
		unsigned rem = optlen - off;
		barrier_var(rem);
		if ((int)rem <= 0)
			break;
		unsigned char *o = opt + off;
		if (o + 1 > end)
			break;
		unsigned kind = o[0];
		if (kind == 0)
			break;
		if (kind == 1) {
			nop++;
			off = (off + 1) & 63;
			continue;
		}
		if (o + 2 > end)
			break;
		unsigned len = o[1];
		if (len < 2 || len > rem)
			break;
		if (kind == 2)
			mss++;
		else if (kind == 3)
			ws++;
		else if (kind == 4)
			sackok++;
		else if (kind == 5)
			sack += (len - 2) / 8;
		else if (kind == 8)
			ts++;
		else
			other++;
		off = (off + len) & 63;
	}
	unsigned k = 0;
	struct st *v = bpf_map_lookup_elem(&stats, &k);
	if (v) {
		v->mss = mss;
		v->ws = ws;
		v->sackok = sackok;
		v->ts = ts;
		v->sack = sack;
		v->nop = nop;
		v->other = other;
#if UNSAFE
		v->by_kind[other] = 1;   /* other may reach 19: past the 16 bytes */
#endif
	}
	return XDP_PASS;
}
