/*
 * run_pcap.c - `anybpf run FILE.o [SECTION] pcap=IN.pcap [write=OUT.pcap]`:
 * run the program on every packet of a capture (libpcap reads it), one
 * BPF_PROG_TEST_RUN per packet, maps kept across packets; print a verdict
 * histogram and packets per second; with write=, save the packets that
 * pass (XDP_PASS/TX, TC_ACT_OK/PIPE/UNSPEC, socket filter retval > 0
 * (truncated to it), cgroup_skb 1) as the program left them, and a
 * histogram of the redirects taken (the redirected frames are counted, not
 * sent anywhere, and not written).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "json.h"
#include "map_btf.h"
#include "redirect.h"
#include "run.h"

struct verdict {
	uint32_t retval;
	uint64_t count;
};

/* redirects taken, per helper kind and target (ifindex or map key) */
struct redir {
	uint32_t kind, target;
	uint64_t count;
};

static const char *verdict_name(const char *type, uint32_t rv, char *buf, size_t n)
{
	static const char *const tc[] = { "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
					  "TC_ACT_PIPE", "TC_ACT_STOLEN", "TC_ACT_QUEUED",
					  "TC_ACT_REPEAT", "TC_ACT_REDIRECT" };
	if (!strcmp(type, "xdp") && anybpf_xdp_action_name(rv))
		return anybpf_xdp_action_name(rv);
	if (!strcmp(type, "sched_cls") || !strcmp(type, "sched_act")) {
		if (rv == 0xffffffffu)
			return "TC_ACT_UNSPEC";
		if (rv < ARRAY_SIZE(tc))
			return tc[rv];
	}
	if (!strcmp(type, "cgroup_skb"))
		return rv == 1 ? "allow" : rv == 0 ? "drop" : "invalid";
	if (!strcmp(type, "socket_filter")) {
		if (!rv)
			return "drop";
		if (rv >= 0xffff)  /* -1 and the like: at least the whole packet */
			return "keep all";
		snprintf(buf, n, "keep %u bytes", rv);
		return buf;
	}
	snprintf(buf, n, "%u", rv);
	return buf;
}

static int passes(const char *type, uint32_t rv)
{
	if (!strcmp(type, "xdp"))
		return rv == 2 || rv == 3;
	if (!strcmp(type, "sched_cls") || !strcmp(type, "sched_act"))
		return rv == 0 || rv == 3 || rv == 0xffffffffu;
	if (!strcmp(type, "cgroup_skb"))
		return rv == 1;
	return rv != 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cli_run_pcap(struct cli *c, anybpf_runtime *rt, const anybpf_prog *prog, const char *type,
		 int verified, const struct cli_pcap_opts *po)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *in = pcap_open_offline(po->pcap, errbuf);
	if (!in)
		return cli_fail(c, EXIT_USAGE, "pcap=%s: %s", po->pcap, errbuf);
	int link = pcap_datalink(in);
	if (link != DLT_EN10MB) {
		pcap_close(in);
		return cli_fail(c, EXIT_USAGE, "pcap=%s: link type %s; only Ethernet (EN10MB) captures can be replayed",
				po->pcap, pcap_datalink_val_to_name(link) ? pcap_datalink_val_to_name(link) : "?");
	}
	pcap_dumper_t *out = NULL;
	pcap_t *dead = NULL;
	if (po->write) {
		dead = pcap_open_dead(DLT_EN10MB, 262144);
		out = dead ? pcap_dump_open(dead, po->write) : NULL;
		if (!out) {
			int rc = cli_fail(c, EXIT_USAGE, "write=%s: %s", po->write,
					  dead ? pcap_geterr(dead) : "cannot open");
			if (dead)
				pcap_close(dead);
			pcap_close(in);
			return rc;
		}
	}
	size_t cap = 262144 + 4096;
	uint8_t *dout = ab_malloc(cap);
	char *logbuf = ab_malloc(8192), *trbuf = ab_malloc(1 << 16);
	struct verdict *hist = NULL;
	size_t nhist = 0, hcap = 0;
	struct redir *rd = NULL;
	size_t nrd = 0, rdcap = 0;
	uint64_t npk = 0, nbad = 0, nwritten = 0, run_ns = 0, tty = isatty(2);
	int rc = EXIT_OK;
	uint64_t t0 = now_ns();
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int got;
	while (dout && logbuf && trbuf && (got = pcap_next_ex(in, &h, &bytes)) == 1) {
		npk++;
		struct anybpf_log log = { .buf = logbuf, .size = 8192, .err_pc = -1, .err_line = -1 };
		struct anybpf_log trace = { .buf = trbuf, .size = 1 << 16, .err_pc = -1, .err_line = -1 };
		logbuf[0] = trbuf[0] = 0;
		size_t len = h->caplen < 262144 ? h->caplen : 262144;
		/* data_in is read only (the run copies it): libpcap's buffer,
		 * valid until the next pcap_next_ex, needs no copy */
		struct anybpf_test_run_opts t = {
			.sz = sizeof(t), .data_in = bytes, .data_size_in = (uint32_t)len,
			.data_out = dout, .data_size_out = (uint32_t)cap, .repeat = 1,
			.checked = po->checked, .jit = po->jit, .budget = po->budget, .trace = &trace, .log = &log,
		};
		int err = anybpf_prog_test_run(rt, prog, &t);
		if (err) {
			nbad++;
			if (nbad <= 5) {
				fprintf(stderr, "anybpf %s: packet %llu: ", c->cmd, (unsigned long long)npk);
				fprintf(stderr, "%s%s", log.len ? logbuf : anybpf_strerror(err),
					log.len && logbuf[log.len - 1] == '\n' ? "" : "\n");
			}
			if (err != -ANYBPF_E_INVAL)
				rc = EXIT_FAIL;
			continue;
		}
		run_ns += t.duration;
		size_t i;
		for (i = 0; i < nhist && hist[i].retval != t.retval; i++)
			;
		if (i == nhist) {
			if (ab_grow((void **)&hist, &hcap, nhist + 1, sizeof(*hist)))
				break;
			hist[nhist++] = (struct verdict){ t.retval, 0 };
		}
		hist[i].count++;
		if (cli_redirect_taken(type, t.retval, t.redirect_kind)) {
			for (i = 0; i < nrd && (rd[i].kind != t.redirect_kind || rd[i].target != t.redirect_target); i++)
				;
			if (i == nrd) {
				if (ab_grow((void **)&rd, &rdcap, nrd + 1, sizeof(*rd)))
					break;
				rd[nrd++] = (struct redir){ t.redirect_kind, t.redirect_target, 0 };
			}
			rd[i].count++;
		}
		if (out && passes(type, t.retval)) {
			size_t n = t.data_size_out;
			/* socket_filter / cgroup_skb give L2 back zeroed: restore it */
			if ((!strcmp(type, "socket_filter") || !strcmp(type, "cgroup_skb")) && n >= 14)
				memcpy(dout, bytes, 14);
			if (!strcmp(type, "socket_filter") && t.retval < n)
				n = t.retval;
			struct pcap_pkthdr oh = *h;
			oh.caplen = (bpf_u_int32)n;
			oh.len = (bpf_u_int32)(h->len - h->caplen + n);
			pcap_dump((u_char *)out, &oh, dout);
			nwritten++;
		}
		if (tty && !c->json && npk % 65536 == 0)
			fprintf(stderr, "\r%llu packets...", (unsigned long long)npk);
	}
	uint64_t wall = now_ns() - t0;
	if (tty && !c->json && npk >= 65536)
		fprintf(stderr, "\r\033[K");
	uint64_t ok = npk - nbad;
	double pps = wall ? (double)npk * 1e9 / (double)wall : 0;
	char nb[32];
	if (c->json) {
		struct json j;
		json_init(&j, stdout);
		json_obj(&j);
		json_kstr(&j, "file", c->pos[0]);
		json_kstr(&j, "section", anybpf_prog_section(prog));
		json_kstr(&j, "program", anybpf_prog_name(prog));
		json_kstr(&j, "type", type);
		json_kbool(&j, "verified", verified);
		json_kstr(&j, "pcap", po->pcap);
		json_kuint(&j, "packets", npk);
		json_kuint(&j, "errors", nbad);
		json_kuint(&j, "duration_ns", ok ? run_ns / ok : 0);
		json_kuint(&j, "packets_per_sec", (uint64_t)pps);
		json_key(&j, "verdicts");
		json_arr(&j);
		for (size_t i = 0; i < nhist; i++) {
			json_obj(&j);
			json_kuint(&j, "retval", hist[i].retval);
			json_kstr(&j, "name", verdict_name(type, hist[i].retval, nb, sizeof(nb)));
			json_kuint(&j, "count", hist[i].count);
			json_end(&j);
		}
		json_end(&j);
		json_key(&j, "redirects");
		json_arr(&j);
		for (size_t i = 0; i < nrd; i++) {
			json_obj(&j);
			json_kstr(&j, "helper", cli_redirect_kind(rd[i].kind));
			json_kuint(&j, cli_redirect_target(rd[i].kind), rd[i].target);
			json_kuint(&j, "count", rd[i].count);
			json_end(&j);
		}
		json_end(&j);
		if (out)
			json_kuint(&j, "written", nwritten);
		if (po->dump) {
			json_key(&j, "maps");
			json_arr(&j);
			for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++)
				cli_dump_map_obj(&j, anybpf_runtime_map(rt, i), po->obj, i);
			json_end(&j);
		}
		json_end(&j);
		json_done(&j);
	} else {
		printf("Program: %s/%s (%s, %s)\n", anybpf_prog_section(prog), anybpf_prog_name(prog), type,
		       verified ? (po->checked ? "verified, checking mode" : po->jit ? "verified, JIT" : "verified, fast path")
				: "NOT verified, checking mode");
		printf("packets: %llu from %s", (unsigned long long)npk, po->pcap);
		if (nbad)
			printf(" (%llu could not run)", (unsigned long long)nbad);
		printf("\n");
		for (size_t i = 0; i < nhist; i++)
			printf("  %-18s %10llu  %5.1f%%\n", verdict_name(type, hist[i].retval, nb, sizeof(nb)),
			       (unsigned long long)hist[i].count, 100.0 * (double)hist[i].count / (double)npk);
		if (nrd)
			printf("redirects (counted, not followed):\n");
		for (size_t i = 0; i < nrd; i++) {
			char what[48];
			snprintf(what, sizeof(what), "%s %s %u", cli_redirect_kind(rd[i].kind),
				 cli_redirect_target(rd[i].kind), rd[i].target);
			printf("  %-30s %10llu\n", what, (unsigned long long)rd[i].count);
		}
		printf("duration: %llu ns per packet in the program; %.0f packets/s overall\n",
		       (unsigned long long)(ok ? run_ns / ok : 0), pps);
		if (out)
			printf("written: %llu packets to %s\n", (unsigned long long)nwritten, po->write);
		if (po->dump)
			for (size_t i = 0; i < anybpf_runtime_map_count(rt); i++)
				cli_dump_map_obj(NULL, anybpf_runtime_map(rt, i), po->obj, i);
	}
	if (out)
		pcap_dump_close(out);
	if (dead)
		pcap_close(dead);
	pcap_close(in);
	ab_free(hist);
	ab_free(rd);
	ab_free(dout);
	ab_free(logbuf);
	ab_free(trbuf);
	return rc;
}
