#!/bin/sh
# tests/examples/run.sh BUILD - the examples (examples/*.c, built here by
# clang as `make examples` builds them) verify and run with the results
# their sources promise, on examples/packet.bin and examples/packets.pcap.
# Expected numbers come from tests/examples/expect.py, which reads the same
# inputs in Python (no anybpf code):
#
#   pcap-current   examples/gen_pcap.py still writes examples/packets.pcap
#   verify-*       `show verification` accepts every example but
#                  xdp_counter_bad.c, which it rejects
#   counter-*      xdp_counter: XDP_PASS, pkt_count = runs / packets
#   map-update-*   the seed tutorial's program (legacy Windows `maps`
#                  section, section "myprog", type=xdp): value 42 at key 0
#   foobar-*       sock_foobar: drops exactly the frames containing "foobar"
#                  (histogram, the written pcap, single frames, every mode)
#   tail-*         tail_dispatch: each protocol reaches its program (hits[]
#                  per protocol, ICMP dropped, others fall through)
#   loop-*         bpf_loop_sum: the bpf_loop callback's byte sum
#   ringbuf-*      ringbuf_events: one event per packet, read back by a
#                  user-space consumer (tests/examples/ringbuf_read.c,
#                  anybpf_ringbuf_consume); a full ring counts lost events;
#                  ringbuf-cli-*: `run --dump-maps` prints the same records
#                  (text, JSON, BTF-typed with record=TYPE; read back by
#                  tests/examples/records.py)
#   kdiff-*        where the host kernel allows it (root, bpf() works):
#                  the same objects and frames through BPF_PROG_TEST_RUN
#                  (tests/runtime/kernel_run.c) give the same results
#
# Prints PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
# Environment: CLANG, CC, SANITIZE (1: the library has ASan+UBSan).
BUILD=${1:-build}
CLANG=${CLANG:-clang}
ROOT=$(pwd)
OUT=$BUILD/examples-tests
A=$ROOT/$BUILD/anybpf
case $BUILD in /*) A=$BUILD/anybpf ;; esac
PCAP=examples/packets.pcap
PKT=examples/packet.bin
EXP="python3 tests/examples/expect.py"
mkdir -p "$OUT"
ANYBPF=$A
. tests/lib.sh

# maps NAME MAP K=V... -- ARGS: `anybpf run ARGS --json --dump-maps` exits
# 0 and map MAP holds value V at key K
maps() {
	name=$1; map=$2; shift 2
	kv=""
	while [ "$1" != "--" ]; do kv="$kv $1"; shift; done
	shift
	if ! "$A" run "$@" --json --dump-maps >"$OUT/$name.json" 2>"$OUT/$name.err"; then
		ko "$name" "exit $?: $(head -c 300 "$OUT/$name.err")"
		return
	fi
	# shellcheck disable=SC2086
	if msg=$($EXP map "$OUT/$name.json" "$map" $kv); then ok "$name"; else ko "$name" "$msg"; fi
}

# ---- build and inputs ----
built=1
for f in examples/*.c; do
	b=$(basename "$f" .c)
	if ! $CLANG -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$f" -o "$OUT/$b.o" \
		2>"$OUT/$b.clang.log"; then
		ko "build-$b" "$(head -n 3 "$OUT/$b.clang.log")"
		built=0
	fi
done
python3 examples/gen_pcap.py "$OUT/packets.pcap" &&
	cmp -s "$OUT/packets.pcap" "$PCAP" && ok pcap-current ||
	ko pcap-current "examples/gen_pcap.py no longer writes $PCAP: run it and commit the file"
eval "$($EXP vars "$PCAP" "$PKT")"
for n in 1 2 3 8 9 10 11; do $EXP frame "$PCAP" $n "$OUT/frame$n.bin"; done
if [ "$built" -ne 1 ] || [ -z "$NPKT" ]; then
	echo "$pass passed, $((fail + 1)) failed, $skip skipped"
	exit 1
fi
O=$OUT
PASSN=$((NPKT - NFOOBAR))

# ---- the verifier ----
for x in xdp_counter bpf_loop_sum sock_foobar tail_dispatch ringbuf_events; do
	expect "verify-$x" 0 "Verification succeeded" -- show verification "$O/$x.o"
done
expect verify-map_update 0 "Verification succeeded" -- show verification "$O/map_update.o" type=xdp
expect verify-xdp_counter_bad 1 "Verification failed" -- show verification "$O/xdp_counter_bad.o"

# ---- xdp_counter ----
expect counter-run 0 "retval: 2 (XDP_PASS)" -- run "$O/xdp_counter.o" data=$PKT
maps counter-repeat pkt_count 0=5 -- "$O/xdp_counter.o" data=$PKT repeat=5
maps counter-pcap pkt_count 0=$NPKT -- "$O/xdp_counter.o" pcap=$PCAP

# ---- the seed tutorial's map program ----
expect map-update-disasm 0 "r0 = bpf_map_update_elem:2(map_fd r1, map_key r2, map_value r3, uint64_t r4)" \
	-- show disassembly "$O/map_update.o"
expect map-update-maps 0 "percpu_array" -- show maps "$O/map_update.o"
expect map-update-run 0 "retval: 0 (XDP_ABORTED)" "value (CPU 00): 2a 00 00 00" -- \
	run "$O/map_update.o" type=xdp --dump-maps
maps map-update-value map 0=42 1=0 511=0 -- "$O/map_update.o" type=xdp

# ---- sock_foobar: drops exactly the frames with "foobar" ----
expect foobar-pcap 0 "packets: $NPKT from" "$(printf '  %-18s %10d' drop "$NFOOBAR")" \
	"$(printf '  %-18s %10d' "keep all" "$PASSN")" -- \
	run "$O/sock_foobar.o" pcap=$PCAP write="$OUT/foobar-pass.pcap"
if msg=$($EXP passed "$PCAP" "$OUT/foobar-pass.pcap"); then ok foobar-written; else ko foobar-written "$msg"; fi
for m in interp checked; do
	expect "foobar-pcap-$m" 0 "$(printf '  %-18s %10d' drop "$NFOOBAR")" -- \
		run "$O/sock_foobar.o" pcap=$PCAP mode=$m
done
expect foobar-frame3-udp4 0 "retval: 0 (0x0)" -- run "$O/sock_foobar.o" data="$OUT/frame3.bin"
expect foobar-frame8-tcp6 0 "retval: 0 (0x0)" -- run "$O/sock_foobar.o" data="$OUT/frame8.bin"
expect foobar-frame2-keep 0 "retval: 4294967295" -- run "$O/sock_foobar.o" data="$OUT/frame2.bin"
expect foobar-frame9-keep 0 "retval: 4294967295" -- run "$O/sock_foobar.o" data="$OUT/frame9.bin"

# ---- tail_dispatch: each protocol reaches its program ----
for m in jit interp checked; do
	[ $m = jit ] && [ "$(uname -m)" != x86_64 ] && continue
	maps "tail-pcap-hits-$m" hits 0=$NOTHER 1=$NTCP 2=$NUDP 3=$NICMP -- \
		"$O/tail_dispatch.o" xdp pcap=$PCAP mode=$m
done
expect tail-pcap-verdicts 0 "$(printf '  %-18s %10d' XDP_PASS $((NPKT - NICMP)))" \
	"$(printf '  %-18s %10d' XDP_DROP "$NICMP")" -- run "$O/tail_dispatch.o" xdp pcap=$PCAP
maps tail-tcp4 hits 0=0 1=1 2=0 3=0 -- "$O/tail_dispatch.o" xdp data="$OUT/frame1.bin"
maps tail-udp6 hits 0=0 1=0 2=1 3=0 -- "$O/tail_dispatch.o" xdp data="$OUT/frame9.bin"
maps tail-icmp6 hits 0=0 1=0 2=0 3=1 -- "$O/tail_dispatch.o" xdp data="$OUT/frame10.bin"
maps tail-arp hits 0=1 1=0 2=0 3=0 -- "$O/tail_dispatch.o" xdp data="$OUT/frame11.bin"
expect tail-icmp6-drop 0 "retval: 1 (XDP_DROP)" -- run "$O/tail_dispatch.o" xdp data="$OUT/frame10.bin"
expect tail-arp-pass 0 "retval: 2 (XDP_PASS)" -- run "$O/tail_dispatch.o" xdp data="$OUT/frame11.bin"

# ---- bpf_loop_sum ----
maps loop-sum stats 0=3 1=$LOOPSUM -- "$O/bpf_loop_sum.o" data=$PKT repeat=3
maps loop-sum-checked stats 0=1 1=$LOOPSUM -- "$O/bpf_loop_sum.o" data=$PKT mode=checked

# ---- ringbuf_events ----
maps ringbuf-stats stats 0=$NPKT 1=0 -- "$O/ringbuf_events.o" pcap=$PCAP
# nobody consumes: the 4096-byte ring takes RBCAP events, the rest are lost
maps ringbuf-full stats 0=200 1=$((200 - RBCAP)) -- "$O/ringbuf_events.o" data=$PKT repeat=200
SANFLAGS=""
[ "$SANITIZE" = 1 ] && SANFLAGS="-fsanitize=address,undefined"
RR=$OUT/ringbuf_read
if ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra -Werror $SANFLAGS -Iinclude tests/examples/ringbuf_read.c \
	"$BUILD/libanybpf.a" -lelf -lpthread -lm -o "$RR" 2>"$OUT/ringbuf_read.log"; then
	ok ringbuf-consumer-build
	for rep in 1 20; do
		$EXP events "$PCAP" $rep "$RBCAP" >"$OUT/events$rep.want"
		if "$RR" "$O/ringbuf_events.o" "$PCAP" $rep >"$OUT/events$rep.got" 2>&1 &&
		   cmp -s "$OUT/events$rep.want" "$OUT/events$rep.got"; then
			ok "ringbuf-events-repeat$rep"
		else
			ko "ringbuf-events-repeat$rep" "$(diff "$OUT/events$rep.want" "$OUT/events$rep.got" | head -n 4)"
		fi
	done
else
	ko ringbuf-consumer-build "$(head -n 3 "$OUT/ringbuf_read.log")"
fi
# the CLI consumes the ring too: `run --dump-maps` prints the records
# (hex; BTF-typed with record=TYPE), text and JSON, the same events
REC="python3 tests/examples/records.py"
# cmp_events NAME WANT GOT
cmp_events() {
	if cmp -s "$2" "$3"; then ok "$1"; else ko "$1" "$(diff "$2" "$3" | head -n 4)"; fi
}
$EXP events "$PCAP" 1 "$RBCAP" >"$OUT/events1.want"
if "$A" run "$O/ringbuf_events.o" pcap=$PCAP --dump-maps --json >"$OUT/rbcli.json" 2>&1; then
	$REC json "$OUT/rbcli.json" events >"$OUT/rbcli-json.got" 2>&1
	cmp_events ringbuf-cli-pcap-json "$OUT/events1.want" "$OUT/rbcli-json.got"
else
	ko ringbuf-cli-pcap-json "$(head -c 300 "$OUT/rbcli.json")"
fi
"$A" run "$O/ringbuf_events.o" pcap=$PCAP --dump-maps >"$OUT/rbcli.txt" 2>&1
$REC text "$OUT/rbcli.txt" events >"$OUT/rbcli-text.got" 2>&1
cmp_events ringbuf-cli-pcap-text "$OUT/events1.want" "$OUT/rbcli-text.got"
expect ringbuf-cli-count 0 "map 'events' (ringbuf, max_entries 4096): records in order" \
	"Found $NPKT records" -- run "$O/ringbuf_events.o" pcap=$PCAP --dump-maps
# repeat=N on one frame: N records; 200 runs fill the ring (RBCAP records)
$REC pcap1 "$OUT/frame1.bin" "$OUT/frame1.pcap"
for rep in 5 200; do
	$EXP events "$OUT/frame1.pcap" $rep "$RBCAP" >"$OUT/rbrep$rep.want"
	"$A" run "$O/ringbuf_events.o" data="$OUT/frame1.bin" repeat=$rep --dump-maps --json \
		>"$OUT/rbrep$rep.json" 2>&1
	$REC json "$OUT/rbrep$rep.json" events >"$OUT/rbrep$rep.got" 2>&1
	cmp_events "ringbuf-cli-repeat$rep" "$OUT/rbrep$rep.want" "$OUT/rbrep$rep.got"
done
# record=TYPE: a variant whose BTF holds struct event (a global pointer to
# it, as libbpf-bootstrap programs do): each record also as that type
sed 's/^SEC("xdp")$/struct event *unused_event __attribute__((unused));\nSEC("xdp")/' \
	examples/ringbuf_events.c >"$OUT/rb_typed.c"
if $CLANG -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$OUT/rb_typed.c" \
	-o "$OUT/rb_typed.o" 2>"$OUT/rb_typed.log"; then
	"$A" run "$OUT/rb_typed.o" pcap=$PCAP --dump-maps --json record="struct event" >"$OUT/rbtyped.json" 2>&1
	$REC formatted "$OUT/rbtyped.json" events >"$OUT/rbtyped.got" 2>&1
	cmp_events ringbuf-cli-record-type "$OUT/events1.want" "$OUT/rbtyped.got"
	expect ringbuf-cli-record-text 0 '{"seq": 0, "len": ' '"l4proto": ' -- \
		run "$OUT/rb_typed.o" data=$PKT --dump-maps record=event
	expect ringbuf-cli-record-missing 2 "record=nope: " "has no BTF struct, union or typedef" -- \
		run "$OUT/rb_typed.o" data=$PKT --dump-maps record=nope
	expect ringbuf-cli-record-needs-dump 2 "record=event: needs --dump-maps" -- \
		run "$OUT/rb_typed.o" data=$PKT record=event
else
	ko ringbuf-cli-record-build "$(head -n 3 "$OUT/rb_typed.log")"
fi

# ---- the host kernel's BPF_PROG_TEST_RUN on the same objects and frames ----
# (tail_dispatch: kernel_run does not fill prog arrays; map_update: libbpf
# does not read eBPF for Windows' map layout)
KR=$OUT/kernel_run
if [ "$(id -u)" = 0 ] && ${CC:-cc} -O1 -g tests/runtime/kernel_run.c -o "$KR" -lbpf >"$OUT/kernel_run.log" 2>&1 &&
   "$KR" "$O/xdp_counter.o" count_packets "$PKT" >/dev/null 2>&1; then
	for pp in "sock_foobar.o drop_foobar" "bpf_loop_sum.o loop_sum" "ringbuf_events.o produce"; do
		set -- $pp
		bad=""
		for pk in "$OUT"/frame*.bin "$PKT"; do
			python3 tests/runtime/kdiff.py "$A" "$KR" "$O/$1" "$2" "$pk" >"$OUT/kdiff.out" 2>&1 ||
				{ bad="$(basename "$pk"): $(cat "$OUT/kdiff.out")"; break; }
		done
		[ -z "$bad" ] && ok "kdiff-$1:$2 (8 frames)" || ko "kdiff-$1:$2" "$bad"
	done
else
	sk kdiff "no kernel BPF_PROG_TEST_RUN here (root, bpf() and libbpf needed)"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
