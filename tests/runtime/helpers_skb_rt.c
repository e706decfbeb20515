/* helpers_skb_rt.c - tc programs whose helpers change the packet's shape
 * through the runtime's native __sk_buff: the bytes, data / data_end and
 * __sk_buff.len, protocol, vlan_* follow (tests/runtime/run.sh). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* grow the tail by 10 bytes: r0 = the new len */
SEC("tc")
int tail_len(struct __sk_buff *skb)
{
	if (bpf_skb_change_tail(skb, skb->len + 10, 0))
		return -1;
	return skb->len;
}

/* push a VLAN tag: the hw-accel tag (vlan_present, vlan_tci), no bytes */
SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 42))
		return -1;
	return skb->vlan_present * 1000 + skb->vlan_tci + (skb->len == 64 ? 0 : 500000);
}

/* IPv4 -> IPv6: 20 bytes more, protocol IPv6; the program writes the
 * ethertype; r0 = len */
SEC("tc")
int to_ipv6(struct __sk_buff *skb)
{
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
		return -1;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return -2;
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	return skb->protocol == bpf_htons(ETH_P_IPV6) ? skb->len : -3;
}

/* 8 bytes of room after the IPv4 header, then gone again */
SEC("tc")
int room(struct __sk_buff *skb)
{
	if (bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0))
		return -1;
	__u32 grown = skb->len;
	if (bpf_skb_adjust_room(skb, -8, BPF_ADJ_ROOM_NET, 0))
		return -2;
	return grown * 1000 + skb->len;
}

char __license[] SEC("license") = "GPL";
