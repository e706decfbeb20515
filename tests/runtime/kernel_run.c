/* kernel_run.c - the reference side of the differential test
 * (tests/runtime/run.sh kdiff-*): load an object with libbpf into the host
 * kernel and run one program with BPF_PROG_TEST_RUN, printing what
 * `anybpf run --json --dump-maps` prints, in a line format:
 *   retval N / data_out HEX / ctx_out HEX / map NAME KEYHEX VALUEHEX
 * Usage: kernel_run FILE.o PROGRAM DATA [CTX]   (exit 77: no bpf() here)
 * Needs root and a kernel with BPF; the test is skipped elsewhere. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *b = malloc(1 << 20);
	*len = b ? fread(b, 1, 1 << 20, f) : 0;
	fclose(f);
	return b;
}

static void hex(const char *tag, const unsigned char *p, size_t n)
{
	printf("%s ", tag);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l; (void)fmt; (void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "kernel_run: cannot load %s: %s\n", argv[1], strerror(errno));
		return 77;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog)
		return 2;
	size_t dlen = 0, clen = 0;
	unsigned char *data = slurp(argv[3], &dlen), *ctx = argc > 4 ? slurp(argv[4], &clen) : NULL;
	static unsigned char dout[1 << 17], cout[4096];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = (__u32)dlen,
		    .data_out = dout, .data_size_out = sizeof(dout), .ctx_in = ctx,
		    .ctx_size_in = (__u32)clen, .ctx_out = ctx ? cout : NULL,
		    .ctx_size_out = ctx ? sizeof(cout) : 0, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &t);
	if (err) {
		printf("error %d\n", errno);
		return 0;
	}
	printf("retval %u\n", t.retval);
	hex("data_out", dout, t.data_size_out);
	if (ctx)
		hex("ctx_out", cout, t.ctx_size_out);
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		enum bpf_map_type ty = bpf_map__type(m);
		if (ty != BPF_MAP_TYPE_HASH && ty != BPF_MAP_TYPE_ARRAY && ty != BPF_MAP_TYPE_LRU_HASH)
			continue;
		unsigned ks = bpf_map__key_size(m), vs = bpf_map__value_size(m);
		unsigned char key[256], next[256], val[4096];
		void *prev = NULL;
		int fd = bpf_map__fd(m);
		while (ks <= sizeof(key) && vs <= sizeof(val) && !bpf_map_get_next_key(fd, prev, next)) {
			memcpy(key, next, ks);
			prev = key;
			if (bpf_map_lookup_elem(fd, key, val))
				continue;
			printf("map %s ", bpf_map__name(m));
			for (unsigned i = 0; i < ks; i++)
				printf("%02x", key[i]);
			printf(" ");
			for (unsigned i = 0; i < vs; i++)
				printf("%02x", val[i]);
			printf("\n");
		}
	}
	bpf_object__close(obj);
	free(data);
	free(ctx);
	return 0;
}
