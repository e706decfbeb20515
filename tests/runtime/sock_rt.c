/* sock_rt.c - sk_msg helpers end to end (tests/runtime/run.sh sock-*):
 * msg_push_data puts a 4-byte header in front of the message,
 * msg_pull_data makes the whole message direct-accessible, the program
 * writes the header, msg->size follows; and LD_ABS after
 * bpf_skb_change_head reads the moved packet (ldabs_head); env_ids reads
 * the runtime's helper_env (env_run.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("sk_msg")
int msg_hdr(struct sk_msg_md *msg)
{
	if (bpf_msg_push_data(msg, 0, 4, 0))
		return SK_DROP;
	if (bpf_msg_pull_data(msg, 0, msg->size, 0))
		return SK_DROP;
	unsigned char *d = msg->data, *e = msg->data_end;
	if (d + 4 > e)
		return SK_DROP;
	d[0] = 'H';
	d[1] = 'D';
	d[2] = 'R';
	d[3] = ':';
	bpf_printk("size %u", msg->size);
	bpf_msg_apply_bytes(msg, 8);
	return SK_PASS;
}

/* pop the first 6 bytes: size and the first element shrink */
SEC("sk_msg")
int msg_pop(struct sk_msg_md *msg)
{
	if (bpf_msg_pop_data(msg, 0, 6, 0))
		return SK_DROP;
	return msg->size;
}

SEC("tc")
int ldabs_head(struct __sk_buff *skb)
{
	if (bpf_skb_change_head(skb, 4, 0))
		return 1000;
	/* the IP header's first byte (0x45), 14 + 4 now */
	return load_byte(skb, 18);
}

/* the fake kernel objects of anybpf_runtime_opts.helper_env (env_run.c) */
SEC("tc")
int env_ids(struct __sk_buff *skb)
{
	return bpf_get_route_realm(skb) * 1000 + bpf_get_cgroup_classid(skb);
}

char _license[] SEC("license") = "GPL";
