#!/bin/sh
# tests/runtime/run.sh BUILD - object files run through the test-run API
# (`anybpf run FILE.o`, anybpf_prog_test_run):
#
#   counter-*   the seed's XDP counter (examples/xdp_counter.c) counts every
#               run in its BTF array map (repeat=N gives N), --dump-maps text
#               and --json
#   xdp-*       tests/runtime/xdp_rt.c: verdicts from direct packet access
#               (the ctx->data/data_end rewrite), a hash map, trace_printk,
#               a packet rewrite in data_out, xdp_md ctx_in/ctx_out
#               (metadata length, ingress_ifindex)
#   skb-*       tests/runtime/skb_rt.c: __sk_buff as the kernel's test run
#               builds it (len, protocol, pkt_type, ifindex; socket_filter
#               and cgroup_skb start at the network header, LD_ABS reads
#               there), ctx_in/ctx_out (mark, priority, cb[]), retvals
#   helpers-*   xdp_adjust_head/tail/meta, skb_load/store_bytes through the
#               shared packet pointers (tests/runtime/helpers_rt.c)
#   tail-*      bpf_tail_call through a prog_array (tests/runtime/tail_rt.c)
#   redir-*     redirects (tests/runtime/redir_rt.c on examples/packets.pcap:
#               7 IPv4, 4 IPv6, 1 ARP frames): the target of a single run,
#               pcap replay's per-target histogram, XDP_TX frames written
#   perf-*      bpf_perf_event_output: --dump-maps opens every slot of a
#               perf_event_array and prints the samples (hex, and as a BTF
#               type with record=TYPE) (tests/runtime/perf_rt.c)
#   trace-*     a raw tracepoint's context from ctx_in bytes
#   loop-sum-*  examples/bpf_loop_sum.c end to end in every engine
#   sock-*      sk_msg push/pull/pop_data, LD_ABS after a helper moved the
#               packet (tests/runtime/sock_rt.c)
#   env-*       anybpf_runtime_opts.helper_env's fake objects reach the
#               helpers (tests/runtime/env_run.c)
#   pcap-*      replay of a capture: verdict histogram, maps kept across
#               packets, the passing packets written to a pcap
#   verify-*    a rejected object does not run; `unverified` runs it in
#               checking mode, which stops its bad access; bad inputs exit 2
#   kdiff-*     where the host kernel allows it (root, bpf() works; skipped
#               elsewhere): the same objects and inputs through the kernel's
#               BPF_PROG_TEST_RUN (tests/runtime/kernel_run.c, libbpf) give the
#               same retval, data_out, ctx_out and map contents
#   sample-*    every sample object Linux accepts (EXPECTED.tsv) of type xdp,
#               socket_filter, sched_cls, cgroup_skb or lwt_out runs in
#               checking mode on 20 generated packets, and every kprobe,
#               tracepoint, raw_tracepoint and perf_event one on a zero, a
#               random and an all-ones context, without a violation;
#               skipped (listed) only when it needs a map that cannot be
#               created here (every helper these types may call is
#               implemented: an unknown helper fails)
#
# Prints PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
# Environment: SHARED (default ../shared), CLANG.
BUILD=${1:-build}
SHARED=${SHARED:-../shared}
SAMPLES=$SHARED/testdata/ebpf-samples
CLANG=${CLANG:-clang}
ROOT=$(pwd)
OUT=$BUILD/runtime
ANYBPF=$ROOT/$BUILD/anybpf
case $BUILD in /*) ANYBPF=$BUILD/anybpf ;; esac
mkdir -p "$OUT"
EXPECT_PREFIX=run
. tests/lib.sh

CFLAGS_BPF="-O2 -g -target bpf -I/usr/include/x86_64-linux-gnu"
built=1
for f in examples/xdp_counter.c tests/runtime/xdp_rt.c tests/runtime/skb_rt.c tests/runtime/trace_rt.c \
	 tests/runtime/tail_rt.c tests/runtime/helpers_rt.c examples/xdp_counter_bad.c \
	 tests/runtime/btf_dump_rt.c tests/runtime/helpers_skb_rt.c examples/bpf_loop_sum.c \
	 tests/runtime/sock_rt.c tests/runtime/perf_rt.c tests/runtime/redir_rt.c; do
	b=$(basename "$f" .c)
	if ! $CLANG $CFLAGS_BPF -c "$f" -o "$OUT/$b.o" 2>"$OUT/$b.clang.log"; then
		ko "build-$b" "$(head -n 3 "$OUT/$b.clang.log")"
		built=0
	fi
done
python3 tests/runtime/gen_packets.py "$OUT/pkts" 20 1 || ko gen-packets
P=$OUT/pkts
# binary helpers: little-endian structs from python
bin() { python3 -c "import struct,sys; sys.stdout.buffer.write($1)" >"$2"; }

if [ "$built" -eq 1 ]; then
	C=$OUT/xdp_counter.o
	# verified programs run JIT-compiled by default on x86-64
	DEFMODE="fast path"
	[ "$(uname -m)" = x86_64 ] && DEFMODE=JIT
	expect counter-text 0 "retval: 2 (XDP_PASS)" "ns per run (7 runs)" \
		"key: 00 00 00 00  value: 07 00 00 00 00 00 00 00" "Found 1 element" \
		"(xdp, verified, $DEFMODE)" -- "$C" repeat=7 --dump-maps
	expect counter-interp 0 "(xdp, verified, fast path)" "value: 05 00" -- "$C" repeat=5 mode=interp --dump-maps
	expect counter-json 0 '"retval": 2,' '"action": "XDP_PASS",' '"value": "0300000000000000"' \
		'"verified": true,' '"duration_ns": ' -- "$C" data="$P/pkt_02.bin" repeat=3 --dump-maps --json
	expect counter-checked 0 "verified, checking mode" "value: 01 00" -- "$C" mode=checked --dump-maps
	expect counter-section 0 "retval: 2" -- "$C" xdp
	expect counter-section-kv 0 "retval: 2" -- "$C" section=xdp program=count_packets
	# examples/bpf_loop_sum.c: bpf_loop sums the frame's first bytes (1347
	# for examples/packet.bin) into its BTF array map, in every engine
	L=$OUT/bpf_loop_sum.o
	LMODES="fast checked"
	[ "$(uname -m)" = x86_64 ] && LMODES="jit fast checked"
	for m in $LMODES; do
		expect loop-sum-$m 0 "retval: 2 (XDP_PASS)" "key: 01 00 00 00  value: 43 05 00 00 00 00 00 00" \
			'{"key": 1, "value": 1347}' "key: 00 00 00 00  value: 01 00 00 00 00 00 00 00" \
			-- "$L" data=examples/packet.bin mode=$m --dump-maps
	done
	# sk_msg helpers (tests/runtime/sock_rt.c): a header pushed in front,
	# the message pulled and written, size following; pop from the front
	SO=$OUT/sock_rt.o
	printf 'hello world' >"$OUT/hw.bin"
	for m in $LMODES; do
		expect sock-msg-push-$m 0 "retval: 1 (0x1)" "size 15" "data_out: 15 bytes (changed)" \
			"0000: 48 44 52 3a 68 65 6c 6c 6f 20 77 6f 72 6c 64" \
			-- "$SO" program=msg_hdr data="$OUT/hw.bin" mode=$m
		expect sock-msg-pop-$m 0 "retval: 5 (0x5)" "0000: 77 6f 72 6c 64" \
			-- "$SO" program=msg_pop data="$OUT/hw.bin" mode=$m
	done
	# anybpf_runtime_opts.helper_env reaches the helpers (env_run.c, built
	# with the library's sanitizer flags)
	ESAN=
	nm "$BUILD/libanybpf.a" 2>/dev/null | grep -q __asan_report &&
		ESAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
	ER=$OUT/env_run
	if ${CC:-cc} -std=gnu11 -g -O1 $ESAN -Iinclude -Isrc tests/runtime/env_run.c "$BUILD/libanybpf.a" \
		-lelf -lpthread -lm -o "$ER" 2>"$OUT/env_run.log"; then
		if [ "$("$ER" "$SO" env_ids "$P/pkt_00.bin" 2>&1)" = "retval: 7003" ]; then
			ok env-helper-env; else ko env-helper-env "$("$ER" "$SO" env_ids "$P/pkt_00.bin" 2>&1)"; fi
		if [ "$("$ER" "$SO" env_ids "$P/pkt_00.bin" default 2>&1)" = "retval: 0" ]; then
			ok env-default; else ko env-default "$("$ER" "$SO" env_ids "$P/pkt_00.bin" default 2>&1)"; fi
	else
		ko build-env-run "$(head -n 3 "$OUT/env_run.log")"
	fi
	# LD_ABS after bpf_skb_change_head reads the moved packet, on every engine
	for m in interp checked; do
		expect sock-ldabs-moved-$m 0 "retval: 69 (0x45)" -- "$SO" program=ldabs_head data="$P/pkt_00.bin" mode=$m
	done
	if [ "$(uname -m)" = x86_64 ]; then
		expect sock-ldabs-moved-jit 0 "retval: 69 (0x45)" -- "$SO" program=ldabs_head data="$P/pkt_00.bin" mode=jit
	fi

	X=$OUT/xdp_rt.o
	expect xdp-drop-dns 0 "retval: 1 (XDP_DROP)" "drop dns from a000001" "data_out: unchanged (54 bytes)" \
		-- "$X" program=xdp_parse data="$P/pkt_00.bin"
	# TCP: MACs swapped, XDP_TX
	expect xdp-tx-rewrite 0 "retval: 3 (XDP_TX)" "data_out: 54 bytes (changed)" \
		"0000: 02 00 00 00 00 01 00 00 00 00 00 00 08 00 45 00" -- "$X" program=xdp_parse data="$P/pkt_01.bin"
	expect xdp-pass-arp 0 "retval: 2 (XDP_PASS)" "data_out: unchanged (42 bytes)" \
		-- "$X" program=xdp_parse data="$P/pkt_06.bin"
	expect xdp-short-frame 0 "retval: 2 (XDP_PASS)" -- "$X" program=xdp_parse data="$P/pkt_10.bin"
	expect xdp-hash-map 0 "key: 11 00 00 00  value: 04 00 00 00 00 00 00 00" \
		-- "$X" program=xdp_parse data="$P/pkt_00.bin" repeat=4 --dump-maps
	"$ANYBPF" run "$X" program=xdp_parse data="$P/pkt_01.bin" out="$OUT/tx.bin" >/dev/null 2>&1
	if python3 -c "
import sys; a=open('$P/pkt_01.bin','rb').read(); b=open('$OUT/tx.bin','rb').read()
sys.exit(0 if b[:6]==a[6:12] and b[6:12]==a[:6] and b[12:]==a[12:] else 1)"; then ok xdp-out-file; else ko xdp-out-file; fi
	# xdp_md ctx_in: 4 bytes of metadata, data_end = 54, ingress_ifindex 1
	bin "struct.pack('<6I', 4, 54, 0, 1, 0, 0)" "$OUT/xmd.bin"
	expect xdp-ctx-meta 0 "retval: 17039410 (0x1040032)" "ctx_out: 24 bytes" \
		"0000: 04 00 00 00 36 00 00 00 00 00 00 00 01 00 00 00" \
		-- "$X" program=xdp_sizes data="$P/pkt_00.bin" ctx="$OUT/xmd.bin"
	expect xdp-ctx-default 0 "retval: 16777270 (0x1000036)" -- "$X" program=xdp_sizes data="$P/pkt_00.bin"
	bin "struct.pack('<6I', 0, 99, 0, 0, 0, 0)" "$OUT/xmd-bad.bin"
	expect xdp-ctx-bad-end 2 "data_end = the data size (54)" -- "$X" program=xdp_sizes data="$P/pkt_00.bin" ctx="$OUT/xmd-bad.bin"
	bin "struct.pack('<6I', 3, 54, 0, 0, 0, 0)" "$OUT/xmd-bad2.bin"
	expect xdp-ctx-bad-meta 2 "multiple of 4" -- "$X" program=xdp_sizes data="$P/pkt_00.bin" ctx="$OUT/xmd-bad2.bin"
	bin "struct.pack('<6I', 0, 54, 0, 0, 0, 3)" "$OUT/xmd-bad3.bin"
	expect xdp-ctx-bad-egress 2 "egress_ifindex" -- "$X" program=xdp_sizes data="$P/pkt_00.bin" ctx="$OUT/xmd-bad3.bin"
	head -c 10 "$P/pkt_00.bin" >"$OUT/short.bin"
	expect xdp-data-10-bytes 2 "at least 14 bytes" -- "$X" program=xdp_sizes data="$OUT/short.bin"
	expect xdp-two-progs 2 "has 2 programs" "program=xdp_parse" "program=xdp_sizes" -- "$X"
	expect xdp-no-prog 2 "no program 'nope'" -- "$X" program=nope
	expect xdp-json 0 '"action": "XDP_TX",' '"data_changed": true,' '"data_out": "020000000001' \
		-- "$X" program=xdp_parse data="$P/pkt_01.bin" --json

	S=$OUT/skb_rt.o
	# mark 0xdead - 1 (+1 by the program: TC_ACT_SHOT), cb[0] = 5
	bin "struct.pack('<2I', 0, 0) + struct.pack('<I', 0xdead - 1) + bytes(36) + struct.pack('<I', 5) + bytes(140)" "$OUT/skb.bin"
	# ctx_out: mark 0xdead, priority 12, ifindex 1, cb = 5, len 54, protocol
	# 0x0008, ifindex << 8 | PACKET_HOST, IPPROTO_TCP; wire_len 54
	expect skb-tc-fields 0 "retval: 2 (0x2)" "ctx_out: 192 bytes" \
		"0000: 00 00 00 00 00 00 00 00 ad de 00 00 00 00 00 00" \
		"0020: 0c 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00" \
		"0030: 05 00 00 00 36 00 00 00 08 00 00 00 00 01 00 00" \
		"0040: 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" \
		"00a0: 36 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" \
		-- "$S" program=tc_fields data="$P/pkt_01.bin" ctx="$OUT/skb.bin"
	expect skb-tc-default 0 "retval: 0 (0x0)" -- "$S" program=tc_fields data="$P/pkt_00.bin"
	# ff:ff:ff:ff:ff:ff on lo (broadcast address 0): PACKET_MULTICAST (2) in
	# cb[3], as the kernel; protocol ETH_P_ARP in cb[2]
	expect skb-tc-broadcast 0 '"ctx_out": "000000000000000001000000000000000000000000000000000000000000000007000000000000000100000000000000000000002a0000000806000002010000' \
		-- "$S" program=tc_fields data="$P/pkt_06.bin" --json
	expect skb-short-ipv4 2 "needs the whole IPv4 header" -- "$S" program=tc_fields data="$P/pkt_10.bin"
	expect skb-tc-json-cb 0 '"ctx_out": "00000000000000000100000000000000000000000000000000000000000000000700000000000000010000000000000000000000360000000800000000010000110000' \
		-- "$S" program=tc_fields data="$P/pkt_00.bin" --json
	bin "struct.pack('<I', 1) + bytes(188)" "$OUT/skb-bad.bin"
	expect skb-ctx-bad-len 2 "byte 0 is not zero" -- "$S" program=tc_fields data="$P/pkt_00.bin" ctx="$OUT/skb-bad.bin"
	bin "bytes(40) + struct.pack('<I', 7) + bytes(148)" "$OUT/skb-bad-if.bin"
	expect skb-ctx-bad-ifindex 2 "ifindex 7" -- "$S" program=tc_fields data="$P/pkt_00.bin" ctx="$OUT/skb-bad-if.bin"
	bin "bytes(200)" "$OUT/skb-big.bin"
	expect skb-ctx-bigger-zero 0 "retval: 0" -- "$S" program=tc_fields data="$P/pkt_00.bin" ctx="$OUT/skb-big.bin"
	# socket filter: LD_ABS 9 is the IP protocol (Ethernet header consumed); len 40
	expect skb-sock-udp 0 "retval: 40 (0x28)" "data_out: unchanged (54 bytes)" -- "$S" program=sock_udp data="$P/pkt_00.bin"
	expect skb-sock-tcp 0 "retval: 0 (0x0)" -- "$S" program=sock_udp data="$P/pkt_01.bin"
	expect skb-sock-short 2 "needs the whole IPv4 header" -- "$S" program=sock_udp data="$P/pkt_10.bin"
	"$ANYBPF" run "$S" program=sock_udp data="$P/pkt_00.bin" out="$OUT/sock.bin" >/dev/null 2>&1
	if python3 -c "
import sys; a=open('$P/pkt_00.bin','rb').read(); b=open('$OUT/sock.bin','rb').read()
sys.exit(0 if b[:14]==bytes(14) and b[14:]==a[14:] else 1)"; then ok skb-sock-out-zeroed-l2; else ko skb-sock-out-zeroed-l2; fi
	expect skb-cg-allow 0 "retval: 1 (0x1)" -- "$S" program=cg_allow data="$P/pkt_00.bin"
	expect skb-cg-ipv6 0 "retval: 0 (0x0)" -- "$S" program=cg_allow data="$P/pkt_04.bin"

	T=$OUT/trace_rt.o
	bin "struct.pack('<2Q', 5, 100)" "$OUT/rtp.bin"
	expect trace-rtp-ctx 0 "retval: 205 (0xcd)" "ctx_out: 96 bytes" -- "$T" ctx="$OUT/rtp.bin"
	expect trace-rtp-zero 0 "retval: 0 (0x0)" -- "$T"
	bin "bytes(100)" "$OUT/rtp-big.bin"
	expect trace-rtp-too-big 2 "the raw_tracepoint context has 96" -- "$T" ctx="$OUT/rtp-big.bin"
	expect trace-rtp-data 2 "take no packet" -- "$T" data="$P/pkt_00.bin"

	# pcap replay: the 20 generated packets; the passing ones written out
	expect pcap-xdp 0 "packets: 20 from" "XDP_DROP                    1" "XDP_TX                      3" \
		"XDP_PASS                   16" "written: 19 packets" "packets/s overall" \
		"key: 06 00 00 00  value: 03 00 00 00 00 00 00 00" \
		-- "$X" program=xdp_parse pcap="$P/all.pcap" write="$OUT/pass.pcap" --dump-maps
	for m in interp checked; do
		expect pcap-xdp-$m 0 "XDP_DROP                    1" "XDP_TX                      3" \
			"XDP_PASS                   16" "key: 06 00 00 00  value: 03 00 00 00 00 00 00 00" \
			-- "$X" program=xdp_parse pcap="$P/all.pcap" mode=$m --dump-maps
	done
	if python3 -c "
import struct, sys
b = open('$OUT/pass.pcap', 'rb').read()
magic, = struct.unpack('<I', b[:4]); n = 0; off = 24
while off < len(b):
    cl = struct.unpack('<IIII', b[off:off + 16])[2]; off += 16 + cl; n += 1
sys.exit(0 if magic in (0xa1b2c3d4, 0xa1b23c4d) and n == 19 and off == len(b) else 1)"; then
		ok pcap-written-file
	else
		ko pcap-written-file
	fi
	expect pcap-counter-json 0 '"packets": 20,' '"count": 20' '"value": "1400000000000000"' \
		'"formatted": {' -- "$C" pcap="$P/all.pcap" --json --dump-maps
	# the maps after a replay are dumped through the object's BTF too
	expect pcap-counter-btf 0 '{"key": 0, "value": 20}' -- "$C" pcap="$P/all.pcap" --dump-maps
	expect pcap-sock 0 "keep 40 bytes" "drop" -- "$S" program=sock_udp pcap="$P/all.pcap"
	expect pcap-missing 2 "nope.pcap" -- "$C" pcap="$OUT/nope.pcap"
	expect pcap-not-pcap 2 "pcap=" -- "$C" pcap="$OUT/rtp.bin"
	expect pcap-with-data 2 "pcap= replaces" -- "$C" pcap="$P/all.pcap" data="$P/pkt_00.bin"

	# --dump-maps through BTF: struct fields, bitfields, char arrays,
	# per-CPU values, global data by variable name (text and --json)
	B=$OUT/btf_dump_rt.o
	expect dump-btf-text 0 \
		'{"key": 7, "value": {"packets": 3, "bytes": 192, "port": 53, "flag": 1, "kind": 5, "name": "dns"}}' \
		'{"key": 0, "values": [{"cpu": 0, "value": -64}]}' '{"key": 0, "value": {"total": 3}}' \
		'{"key": 0, "value": {"verdict": 2}}' -- "$B" repeat=3 mode=checked --dump-maps
	expect dump-btf-json 0 '"formatted": {' '"packets": 2,' '"name": "dns"' '"total": 2' \
		-- "$B" repeat=2 --dump-maps --json
	# skb helpers changing the packet's shape: __sk_buff.len, protocol and
	# vlan_* follow (tests/runtime/helpers_skb_rt.c), in both engines
	HS=$OUT/helpers_skb_rt.o
	for m in checked interp; do
		expect skb-tail-len-$m 0 "retval: 74 (0x4a)" "data_out: 74 bytes (changed)" -- "$HS" program=tail_len mode=$m
		expect skb-vlan-push-$m 0 "retval: 1042 (0x412)" "data_out: unchanged (64 bytes)" -- "$HS" program=vlan_push mode=$m
		expect skb-to-ipv6-$m 0 "retval: 84 (0x54)" "data_out: 84 bytes (changed)" -- "$HS" program=to_ipv6 mode=$m
		expect skb-adjust-room-$m 0 "retval: 72064 (0x11980)" "data_out: unchanged (64 bytes)" -- "$HS" program=room mode=$m
	done
	# helpers moving the packet: the native context's pointers follow them
	H=$OUT/helpers_rt.o
	expect helpers-xdp-adjust 0 "retval: 2 (XDP_PASS)" "data_out: 56 bytes (changed)" \
		"0000: 5c 5c 5c 5c 5c 5c 5c 5c aa aa aa aa 00 00 00 00" -- "$H" program=xdp_adjust data="$P/pkt_00.bin"
	expect helpers-xdp-adjust-checked 0 "retval: 2 (XDP_PASS)" -- "$H" program=xdp_adjust data="$P/pkt_00.bin" mode=checked
	expect helpers-tc-store 0 "retval: 8 (0x8)" "0000: de ad be ef 00 01 02 00" -- "$H" program=tc_store data="$P/pkt_00.bin" mode=checked

	# tail calls: section xdp/N is index N of the first map (a prog_array)
	TL=$OUT/tail_rt.o
	for b in 0 1 2 3 9; do
		python3 -c "import sys; sys.stdout.buffer.write(bytes([$b]) + bytes(53))" >"$OUT/t$b.bin"
	done
	expect tail-empty-slot 0 "retval: 2 (XDP_PASS)" -- "$TL" program=dispatch data="$OUT/t0.bin"
	expect tail-drop 0 "retval: 1 (XDP_DROP)" -- "$TL" program=dispatch data="$OUT/t1.bin"
	expect tail-tx-packet 0 "retval: 3 (XDP_TX)" "0000: 02 77 00" -- "$TL" program=dispatch data="$OUT/t2.bin"
	expect tail-unset 0 "retval: 2 (XDP_PASS)" -- "$TL" program=dispatch data="$OUT/t3.bin"
	expect tail-out-of-range 0 "retval: 2 (XDP_PASS)" -- "$TL" program=dispatch data="$OUT/t9.bin"
	expect tail-checked 0 "retval: 3 (XDP_TX)" "checking mode" -- "$TL" program=dispatch data="$OUT/t2.bin" mode=checked

	# perf_event_array samples (tests/runtime/perf_rt.c): 8-byte sample
	# padded to 12 (size + 4 a multiple of 8, as Linux hands it)
	PF=$OUT/perf_rt.o
	expect perf-samples 0 "map 'samples' (perf_event_array, max_entries 1): records in order" \
		"record 2 (slot 0, 12 bytes):" "0000: 01 00 ed 5e 40 00 00 00 00 00 00 00" "Found 3 records" \
		"key: 00 00 00 00  value: 00 00 00 00 00 00 00 00" -- "$PF" repeat=3 --dump-maps
	expect perf-typed 0 '{"magic": 1592590337, "len": 64}' -- "$PF" --dump-maps record="struct sample"
	expect perf-json 0 '"records": 2,' '"lost": 0' '"data": "0100ed5e4000000000000000"' \
		'"magic": 1592590337,' '"len": 64' -- "$PF" repeat=2 --dump-maps --json record=sample
	# redirects: bpf_redirect(4) for IPv4, bpf_redirect_map(devs, 5,
	# BPF_F_BROADCAST) for IPv6, XDP_TX for ARP
	RD=$OUT/redir_rt.o
	EXP=examples/packets.pcap
	expect redir-single 0 "retval: 4 (XDP_REDIRECT)" "redirect: redirect ifindex 4 (not followed)" -- \
		"$RD" data=examples/packet.bin
	expect redir-single-json 0 '"helper": "redirect",' '"ifindex": 4' -- "$RD" data=examples/packet.bin --json
	expect redir-none-json 0 '"redirect": null,' -- "$C" --json
	expect redir-pcap 0 "XDP_REDIRECT               11" "XDP_TX                      1" \
		"redirects (counted, not followed):" "$(printf '  %-30s %10d' 'redirect ifindex 4' 7)" \
		"$(printf '  %-30s %10d' 'redirect_map key 5' 4)" "written: 1 packets" -- \
		"$RD" pcap=$EXP write="$OUT/redir-tx.pcap"
	# the written frame is the ARP one (frame 11: 42 bytes, EtherType 0x0806)
	if python3 -c "
import struct, sys
b = open('$OUT/redir-tx.pcap', 'rb').read()
cl = struct.unpack('<IIII', b[24:40])[2]
sys.exit(0 if len(b) == 40 + cl and b[40 + 12:40 + 14] == bytes([8, 6]) else 1)"; then
		ok redir-tx-written
	else
		ko redir-tx-written "$OUT/redir-tx.pcap does not hold just the ARP frame"
	fi
	expect redir-pcap-json 0 '"redirects": [' '"helper": "redirect_map",' '"key": 5,' '"count": 4' -- \
		"$RD" pcap=$EXP --json mode=interp
	# a tail-calling program in pcap replay, each engine (its callees are
	# verified and compiled before the first run): the frame whose first
	# byte is 1 reaches xdp/1 (XDP_DROP), the others find no program
	for m in $LMODES; do
		expect tail-pcap-$m 0 "XDP_PASS                   19" "XDP_DROP                    1" -- "$TL" program=dispatch pcap="$P/all.pcap" mode=$m
	done
	B=$OUT/xdp_counter_bad.o
	expect verify-rejected 1 "rejected by the verifier" "unverified" -- "$B"
	expect verify-unverified-checked 1 "NOT verified" "out-of-bounds atomic access of 8 bytes at 0x0" -- "$B" unverified
	expect verify-unverified-fast 2 "checking mode" -- "$B" unverified check=off
	expect usage-repeat 2 "repeat=0" -- "$C" repeat=0
	expect usage-mode 2 "mode=bogus" -- "$C" mode=bogus
	expect usage-jit-unverified 2 "mode=jit" -- "$B" mode=jit unverified
	expect usage-key 2 "" -- "$C" bogus=1
fi

# ---- differential: the host kernel's BPF_PROG_TEST_RUN on the same inputs ----
KR=$OUT/kernel_run
if [ "$built" -eq 1 ] && [ "$(id -u)" = 0 ] &&
   ${CC:-cc} -O1 -g tests/runtime/kernel_run.c -o "$KR" -lbpf >"$OUT/kernel_run.log" 2>&1 &&
   "$KR" "$OUT/xdp_counter.o" count_packets "$P/pkt_00.bin" >/dev/null 2>&1; then
	for pp in "xdp_counter.o count_packets" "xdp_rt.o xdp_parse" "xdp_rt.o xdp_sizes" \
		  "skb_rt.o tc_fields" "skb_rt.o sock_udp" "skb_rt.o cg_allow" \
		  "helpers_rt.o xdp_adjust" "helpers_rt.o tc_store"; do
		set -- $pp
		bad=""
		for pk in "$P"/pkt_*.bin; do
			python3 tests/runtime/kdiff.py "$ANYBPF" "$KR" "$OUT/$1" "$2" "$pk" >"$OUT/kdiff.out" 2>&1 ||
				{ bad="$(basename "$pk"): $(cat "$OUT/kdiff.out")"; break; }
		done
		[ -z "$bad" ] && ok "kdiff-$1:$2 (20 packets)" || ko "kdiff-$1:$2" "$bad"
	done
	# the samples modern libbpf can load (the others use legacy map sections);
	# packet_access.o is left out: it branches on bpf_get_prandom_u32
	for pp in "build/dependent_read.o dependent_read" "build/packet_start_ok.o read_write_packet_start"; do
		set -- $pp
		[ -f "$SAMPLES/$1" ] || continue
		bad=""
		for pk in "$P"/pkt_*.bin; do
			python3 tests/runtime/kdiff.py "$ANYBPF" "$KR" "$SAMPLES/$1" "$2" "$pk" >"$OUT/kdiff.out" 2>&1 ||
				{ bad="$(basename "$pk"): $(cat "$OUT/kdiff.out")"; break; }
		done
		[ -z "$bad" ] && ok "kdiff-sample-$1:$2 (20 packets)" || ko "kdiff-sample-$1:$2" "$bad"
	done
	for pp in "skb_rt.o tc_fields skb.bin" "skb_rt.o cg_allow skb.bin" "skb_rt.o sock_udp skb.bin" \
		  "xdp_rt.o xdp_sizes xmd.bin"; do
		set -- $pp
		if python3 tests/runtime/kdiff.py "$ANYBPF" "$KR" "$OUT/$1" "$2" "$P/pkt_00.bin" "$OUT/$3" \
			>"$OUT/kdiff.out" 2>&1; then
			ok "kdiff-ctx-$2"
		else
			ko "kdiff-ctx-$2" "$(cat "$OUT/kdiff.out")"
		fi
	done
else
	sk kdiff "no root, no libbpf or no bpf() on this host"
fi

# ---- every accepted xdp / socket_filter / sched_cls sample, 20 packets ----
if [ -f "$SAMPLES/EXPECTED.tsv" ]; then
	awk -F'\t' 'NR > 1 && $6 == "accept" && $1 !~ /^invalid\// &&
		    ($4 == "xdp" || $4 == "socket_filter" || $4 == "sched_cls" || $4 == "cgroup_skb" ||
		     $4 == "lwt_out" || $4 == "kprobe" || $4 == "tracepoint" || $4 == "raw_tracepoint" ||
		     $4 == "perf_event") { print $1 "\t" $2 "\t" $3 "\t" $4 }' "$SAMPLES/EXPECTED.tsv" >"$OUT/rows.tsv"
	# tracing contexts: zeros, random bytes, all ones (sized per type)
	python3 -c "
import random, sys
r = random.Random(5)
for name, size in (('kprobe', 168), ('tracepoint', 2048), ('raw_tracepoint', 96), ('perf_event', 184)):
    open('$OUT/ctx-%s-0.bin' % name, 'wb').write(bytes(size))
    open('$OUT/ctx-%s-1.bin' % name, 'wb').write(bytes(r.getrandbits(8) for _ in range(size)))
    open('$OUT/ctx-%s-2.bin' % name, 'wb').write(b'\xff' * size)"
	while IFS='	' read -r file sec fn ty; do
		case $ty in
		kprobe|tracepoint|raw_tracepoint|perf_event) inputs="$OUT/ctx-$ty-0.bin $OUT/ctx-$ty-1.bin $OUT/ctx-$ty-2.bin"; key=ctx ;;
		*) inputs=$(ls "$P"/pkt_*.bin); key=data ;;
		esac
		name="sample-$file:$sec/$fn"
		prog="program=$fn"
		[ "$fn" = "-" ] && prog=""
		extra=""
		status=ok; why=""
		for pk in $inputs; do
			"$ANYBPF" run "$SAMPLES/$file" "$sec" $prog type="$ty" mode=checked $key="$pk" $extra \
				>"$OUT/sample.out" 2>&1
			rc=$?
			if [ "$rc" -ne 0 ] && [ -z "$extra" ] && grep -q "rejected by the verifier" "$OUT/sample.out"; then
				# Linux accepts it, our verifier does not (a verifier gap,
				# reported by tests/verifier): still no violation allowed
				extra=unverified
				why=" (our verifier rejects it: ran unverified)"
				"$ANYBPF" run "$SAMPLES/$file" "$sec" $prog type="$ty" mode=checked $key="$pk" $extra \
					>"$OUT/sample.out" 2>&1
				rc=$?
			fi
			# an input the kernel's skb test run refuses too (IP frame
			# without a whole IP header): not this program's problem
			[ "$rc" -eq 2 ] && grep -q "needs the whole IPv" "$OUT/sample.out" && continue
			if [ "$rc" -ne 0 ]; then
				if grep -q "cannot create it" "$OUT/sample.out"; then
					status=skip
				else
					status=fail
				fi
				why="$(head -n 1 "$OUT/sample.out") [$(basename "$pk")]"
				break
			fi
		done
		case $status in
		ok) ok "$name$why" ;;
		skip) sk "$name" "$why" ;;
		*) ko "$name" "$why" ;;
		esac
	done <"$OUT/rows.tsv"
else
	sk samples "$SAMPLES not found"
fi

if [ "$skip" -ne 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
