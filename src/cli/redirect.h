/* redirect.h - names of anybpf_test_run_opts.redirect_kind for `run`
 * (run_object.c) and pcap replay (run_pcap.c). */
#ifndef ANYBPF_CLI_REDIRECT_H
#define ANYBPF_CLI_REDIRECT_H

#include <stdint.h>
#include <string.h>

/* The helper that asked for the redirect, and what its target is. */
static inline const char *cli_redirect_kind(uint32_t kind)
{
	static const char *const names[] = { "none", "redirect", "redirect_map", "redirect_peer",
					     "redirect_neigh", "sk_redirect" };
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static inline const char *cli_redirect_target(uint32_t kind)
{
	return kind == 2 || kind == 5 ? "key" : "ifindex";
}

/* Did the verdict take the redirect (XDP_REDIRECT, TC_ACT_REDIRECT; other
 * types: any redirect asked for)?  A program may call bpf_redirect and
 * then return another verdict: nothing is redirected then. */
static inline int cli_redirect_taken(const char *type, uint32_t retval, uint32_t kind)
{
	if (!kind)
		return 0;
	if (!strcmp(type, "xdp"))
		return retval == 4;
	if (!strcmp(type, "sched_cls") || !strcmp(type, "sched_act") || !strncmp(type, "lwt", 3))
		return retval == 7;
	return 1;
}

#endif
