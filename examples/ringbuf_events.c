// ringbuf_events.c - a ring buffer event producer: an XDP program that
// reserves a small event per packet in a BPF_MAP_TYPE_RINGBUF map, fills it
// with the packet's length, EtherType and L4 protocol and a sequence number,
// and submits it (bpf_ringbuf_reserve / bpf_ringbuf_submit); a user-space
// consumer reads the events in order.  When the buffer is full the reserve
// fails: the packet is counted in `lost` instead.
//   anybpf run build/examples/ringbuf_events.o pcap=examples/packets.pcap --dump-maps
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct event {
	__u32 seq;        // packets seen before this one
	__u16 len;        // frame length
	__u16 ethertype;  // host order
	__u8 l4proto;     // IPv4 protocol / IPv6 next header, 0 if not IP
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);   // bytes: a page, 170 events of 24 bytes
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);      // 0: packets seen, 1: events lost
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key = 0;
	__u64 *seen = bpf_map_lookup_elem(&stats, &key);
	if (!seen)
		return XDP_ABORTED;
	__u64 seq = __atomic_fetch_add(seen, 1, __ATOMIC_RELAXED);

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		key = 1;
		__u64 *lost = bpf_map_lookup_elem(&stats, &key);
		if (lost)
			__atomic_fetch_add(lost, 1, __ATOMIC_RELAXED);
		return XDP_PASS;
	}
	e->seq = seq;
	e->len = data_end - data;
	e->ethertype = bpf_ntohs(eth->h_proto);
	e->l4proto = 0;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	if (e->ethertype == ETH_P_IP && data + sizeof(*eth) + 10 <= data_end)
		e->l4proto = *(__u8 *)(data + sizeof(*eth) + 9);
	else if (e->ethertype == ETH_P_IPV6 && data + sizeof(*eth) + 7 <= data_end)
		e->l4proto = *(__u8 *)(data + sizeof(*eth) + 6);
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual MIT/GPL";
