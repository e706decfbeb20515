// redir_rt.c - redirects in pcap replay: IPv4 frames go to ifindex 4
// (bpf_redirect), IPv6 frames to every device of a devmap (slot 5,
// BPF_F_BROADCAST: bpf_redirect_map), ARP is bounced back (XDP_TX),
// anything else passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

SEC("xdp")
int redir(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return bpf_redirect(4, 0);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return bpf_redirect_map(&devs, 5, BPF_F_BROADCAST);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return XDP_TX;
	return XDP_PASS;
}

char __license[] SEC("license") = "GPL";
