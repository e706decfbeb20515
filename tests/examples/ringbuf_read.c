/*
 * ringbuf_read.c OBJ PCAP [REPEAT] - the user-space side of
 * examples/ringbuf_events.c: run the object's first program on every frame
 * of a pcap file through anybpf_prog_test_run (REPEAT times each, default
 * 1), then drain every ringbuf map of the object with
 * anybpf_ringbuf_consume (libbpf's ring_buffer__consume) and print one
 * line per event record:
 *     event seq=N len=N ethertype=0xNNNN l4=N
 * and "N events". Exit 0, or 1 with a one-line error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anybpf.h"

struct event {   /* examples/ringbuf_events.c */
	uint32_t seq;
	uint16_t len;
	uint16_t ethertype;
	uint8_t l4proto;
	uint8_t pad[3];
};

static int print_event(void *ctx, void *data, size_t size)
{
	struct event e;
	(void)ctx;
	if (size != sizeof(e)) {
		printf("record of %zu bytes, expected %zu\n", size, sizeof(e));
		return 0;
	}
	memcpy(&e, data, sizeof(e));
	printf("event seq=%u len=%u ethertype=0x%04x l4=%u\n", e.seq, e.len, e.ethertype, e.l4proto);
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(int argc, char **argv)
{
	char logbuf[4096] = "";
	struct anybpf_log log = { .buf = logbuf, .size = sizeof(logbuf), .err_pc = -1, .err_line = -1 };
	anybpf_object *obj = NULL;
	anybpf_runtime *rt = NULL;
	size_t plen = 0;
	uint8_t *pcap;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: ringbuf_read OBJ PCAP [REPEAT]\n");
		return 2;
	}
	uint32_t repeat = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 1;
	if (!(pcap = read_file(argv[2], &plen)) || plen < 24 || le32(pcap) != 0xa1b2c3d4) {
		fprintf(stderr, "%s: not a little-endian pcap file\n", argv[2]);
		free(pcap);
		return 1;
	}
	struct anybpf_runtime_opts ro = { .sz = sizeof(ro), .ncpus = 1 };
	if (anybpf_object_open_file(argv[1], NULL, &obj, &log) ||
	    anybpf_runtime_new(obj, &ro, &rt, &log)) {
		fprintf(stderr, "%s: %s\n", argv[1], logbuf);
		goto out;
	}
	const anybpf_prog *prog = anybpf_object_prog(obj, 0);
	size_t off = 24;
	while (off + 16 <= plen) {
		uint32_t caplen = le32(pcap + off + 8);
		if (off + 16 + caplen > plen) {
			fprintf(stderr, "%s: truncated packet at offset %zu\n", argv[2], off);
			goto out;
		}
		struct anybpf_test_run_opts t = { .sz = sizeof(t), .data_in = pcap + off + 16,
						  .data_size_in = caplen, .repeat = repeat, .log = &log };
		if (anybpf_prog_test_run(rt, prog, &t)) {
			fprintf(stderr, "test run at pcap offset %zu: %s\n", off, logbuf);
			goto out;
		}
		off += 16 + caplen;
	}
	int events = 0;
	for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++) {
		anybpf_rtmap *m = anybpf_runtime_map(rt, i);
		if (anybpf_rtmap_type(m) != ANYBPF_MAP_TYPE_RINGBUF)
			continue;
		int n = anybpf_ringbuf_consume(m, print_event, NULL);
		if (n < 0) {
			fprintf(stderr, "ringbuf '%s': consume failed (%d)\n", anybpf_rtmap_name(m), n);
			goto out;
		}
		events += n;
	}
	printf("%d events\n", events);
	rc = 0;
out:
	anybpf_runtime_free(rt);
	anybpf_object_close(obj);
	free(pcap);
	return rc;
}
