/* eBPF-for-Windows style programs (layouts of ebpf_nethooks.h, x64) */
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
#define SEC(n) __attribute__((section(n), used))
typedef struct xdp_md_ { void *data; void *data_end; uint64_t data_meta; uint32_t ingress_ifindex; } xdp_md_t;
typedef struct _bind_md { uint8_t *app_id_start; uint8_t *app_id_end; uint64_t process_id;
	uint8_t socket_address[16]; uint8_t socket_address_length; int operation; uint8_t protocol; } bind_md_t;

SEC("xdp")
int win_xdp(xdp_md_t *ctx)
{
	uint8_t *d = ctx->data, *e = ctx->data_end;
	if (d + 14 > e)
		return 2; /* XDP_DROP */
	d[0] = 0xaa;
	return 1; /* XDP_PASS */
}

SEC("bind")
int win_bind(bind_md_t *ctx)
{
	uint8_t *d = ctx->app_id_start, *e = ctx->app_id_end;
	if (d + 1 > e)
		return 0;
	return d[0] == 'a' && ctx->protocol == 6; /* BIND_DENY for app... over TCP */
}
