/* hooks_rt.c - one small program per socket program type whose native
 * context src/hooks builds (tests/runtime/hooks.sh runs them): sk_skb
 * (stream data as the packet, priority written back), sk_msg (64-bit
 * data/data_end), sock_ops (reply), cgroup_sock (mark), cgroup_sock_addr
 * (connect redirection). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_skb/stream_verdict")
int verdict(struct __sk_buff *skb)
{
	unsigned char *d = (void *)(long)skb->data, *e = (void *)(long)skb->data_end;
	if (d + 1 > e)
		return SK_DROP;
	skb->priority = 5;
	return d[0] == 'x' ? SK_DROP : SK_PASS;
}

SEC("sk_msg")
int msg(struct sk_msg_md *m)
{
	unsigned char *d = m->data, *e = m->data_end;
	if (d + 1 > e)
		return SK_DROP;
	return d[0] == 'x' ? SK_DROP : SK_PASS;
}

SEC("sockops")
int sops(struct bpf_sock_ops *s)
{
	if (s->op == BPF_SOCK_OPS_TIMEOUT_INIT)
		s->reply = 10;
	return 1;
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	sk->mark = 0x77;
	return sk->protocol == 6;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *a)
{
	if (a->user_port == __builtin_bswap16(80))
		a->user_ip4 = 0x0100007f;
	return 1;
}
char _license[] SEC("license") = "GPL";
