// sock_foobar.c - the seed's socket filter (eBPF without LLVM, "maps"): drop
// every packet that contains "foobar", keep the others.  The seed writes it
// as raw bytecode with the string in a read-only array map it creates and
// freezes; in C the string is a global const, which clang puts in .rodata
// and the loader turns into a frozen read-only (BPF_F_RDONLY_PROG) map.
// As in the seed: skb_load_bytes 6 bytes at each offset and compare them
// with the string, a bounded loop over the first MAX_OFF offsets.  The seed
// compares with bpf_strncmp (helper 182); our verifier does not model that
// helper yet, so the comparison is a byte loop over the .rodata string.
//   anybpf run build/examples/sock_foobar.o pcap=examples/packets.pcap
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_OFF 512   // offsets searched (the seed's bound, 0x200)

const char needle[] = "foobar";   // .rodata: read-only to the program

// a socket filter returns the number of bytes to keep: 0 drops the packet
#define DROP 0
#define KEEP_ALL 0xffffffff

SEC("socket")
int drop_foobar(struct __sk_buff *skb)
{
	char buf[sizeof(needle) - 1];
	__u32 len = skb->len;   // from the network header on (LD_ABS 0 is IP)

	if (len < sizeof(buf))
		return KEEP_ALL;
	for (__u32 off = 0; off < MAX_OFF; off++) {
		if (off + sizeof(buf) > len)
			break;
		if (bpf_skb_load_bytes(skb, off, buf, sizeof(buf)) < 0)
			break;
		int same = 1;
		for (int i = 0; i < (int)sizeof(buf); i++)
			if (buf[i] != needle[i])
				same = 0;
		if (same)
			return DROP;
	}
	return KEEP_ALL;
}

char __license[] SEC("license") = "Dual MIT/GPL";
