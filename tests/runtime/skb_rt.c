// skb_rt.c - __sk_buff programs for the test-run tests: context fields as
// the kernel's test run sets them, ctx_out, LD_ABS, direct packet access.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

// tc: fields in, writable fields out; the IP protocol by direct access.
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	skb->cb[1] = skb->len;
	skb->cb[2] = skb->protocol;
	skb->cb[3] = skb->ifindex << 8 | skb->pkt_type;
	skb->priority = skb->cb[0] + 7;
	skb->mark = skb->mark + 1;
	if (data + ETH_HLEN + sizeof(struct iphdr) <= data_end) {
		struct iphdr *ip = data + ETH_HLEN;
		skb->cb[4] = ip->protocol;
	}
	return skb->mark == 0xdead ? 2 /* TC_ACT_SHOT */ : 0 /* TC_ACT_OK */;
}

// socket filter: LD_ABS reads from the network header (the test run
// consumed the Ethernet header); keep UDP, drop the rest.
SEC("socket")
int sock_udp(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (load_byte(skb, 9) != IPPROTO_UDP)
		return 0;
	return skb->len;
}

// cgroup_skb: data starts at the IP header; allow IPv4 from 10.0.0.1.
SEC("cgroup_skb/ingress")
int cg_allow(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > data_end)
		return 0;
	if (ip->version != 4 || skb->family != 2 /* AF_INET */)
		return 0;
	return skb->local_ip4 == bpf_htonl(0x0a000001) && ip->saddr == skb->local_ip4;
}

char __license[] SEC("license") = "GPL";
