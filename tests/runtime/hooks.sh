#!/bin/sh
# tests/runtime/hooks.sh BUILD - `anybpf run` on the program types whose
# native contexts src/hooks builds beyond xdp and __sk_buff: sk_skb, sk_msg,
# sock_ops, cgroup_sock, cgroup_sock_addr (tests/runtime/hooks_rt.c) and the
# eBPF-for-Windows xdp and bind types (tests/runtime/win_rt.c, written
# against ebpf_nethooks.h's x64 layouts; type=windows/xdp, section "bind").
# Prints PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
BUILD=${1:-build}
CLANG=${CLANG:-clang}
ROOT=$(pwd)
OUT=$BUILD/runtime-hooks
ANYBPF=$ROOT/$BUILD/anybpf
case $BUILD in /*) ANYBPF=$BUILD/anybpf ;; esac
mkdir -p "$OUT"
. tests/lib.sh

if ! command -v "$CLANG" >/dev/null 2>&1 ||
   ! "$CLANG" -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c tests/runtime/hooks_rt.c -o "$OUT/hooks_rt.o" 2>"$OUT/clang.err" ||
   ! "$CLANG" -O2 -g -target bpf -c tests/runtime/win_rt.c -o "$OUT/win_rt.o" 2>>"$OUT/clang.err"; then
	echo "SKIP all: cannot compile the programs with $CLANG: $(head -c 200 "$OUT/clang.err")"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
H=$OUT/hooks_rt.o
W=$OUT/win_rt.o
printf 'abc' >"$OUT/abc.bin"
printf 'xbc' >"$OUT/xbc.bin"
: >"$OUT/empty.bin"
python3 - "$OUT" <<'PY'
import sys
o = sys.argv[1]
def w(name, size, sets):
    b = bytearray(size)
    for off, val in sets:
        b[off:off + len(val)] = val
    open(o + '/' + name, 'wb').write(b)
w('sops.bin', 224, [(0, b'\x01')])                  # op BPF_SOCK_OPS_TIMEOUT_INIT
w('sock.bin', 80, [(12, b'\x06')])                  # protocol TCP
w('sa80.bin', 72, [(24, b'\x00\x50')])              # user_port 80
w('sa81.bin', 72, [(24, b'\x00\x51')])              # user_port 81
w('bind.bin', 56, [(48, b'\x06')])                  # protocol TCP
w('msgptr.bin', 80, [(0, b'\x01')])               # sk_msg_md.data set
w('frame.bin', 20, [])
w('short.bin', 10, [])
open(o + '/app.bin', 'wb').write(b'app.exe')
open(o + '/svc.bin', 'wb').write(b'svc.exe')
PY

# sk_skb: the stream data is the packet; priority (offset 32) written back
expect skskb-pass 0 '"type": "sk_skb"' '"retval": 1' '"ctx_out": "0000000000000000000000000000000000000000000000000000000000000000050000' -- \
	run "$H" sk_skb/stream_verdict data="$OUT/abc.bin" --json
expect skskb-drop 0 '"retval": 0' -- run "$H" sk_skb/stream_verdict data="$OUT/xbc.bin" --json
# sk_msg: 64-bit data/data_end
expect skmsg-pass 0 '"type": "sk_msg"' '"retval": 1' -- run "$H" sk_msg data="$OUT/abc.bin" --json
expect skmsg-drop 0 '"retval": 0' -- run "$H" sk_msg data="$OUT/xbc.bin" --json
expect skmsg-ptr-ctx 2 'is a pointer the runtime sets' -- run "$H" sk_msg data="$OUT/abc.bin" ctx="$OUT/msgptr.bin"
# sock_ops: op from ctx_in, reply (offset 4) = 10 in ctx_out
expect sockops-reply 0 '"type": "sock_ops"' '"retval": 1' '"ctx_out": "010000000a000000' -- \
	run "$H" sockops ctx="$OUT/sops.bin" --json
# cgroup_sock: no packet (an empty data=), mark (offset 16) = 0x77
expect cgsock-mark 0 '"type": "cgroup_sock"' '"retval": 1' '"ctx_out": "000000000000000000000000060000007700' -- \
	run "$H" cgroup/sock_create ctx="$OUT/sock.bin" data="$OUT/empty.bin" --json
expect cgsock-no-packet 2 'take no packet' -- run "$H" cgroup/sock_create ctx="$OUT/sock.bin" data="$OUT/abc.bin"
# cgroup_sock_addr: connect to port 80 redirected to 127.0.0.1 (user_ip4, offset 4)
expect connect4-redirect 0 '"retval": 1' '"ctx_out": "000000007f000001' -- \
	run "$H" cgroup/connect4 ctx="$OUT/sa80.bin" data="$OUT/empty.bin" --json
expect connect4-keep 0 '"retval": 1' '"ctx_out": "0000000000000000' -- \
	run "$H" cgroup/connect4 ctx="$OUT/sa81.bin" data="$OUT/empty.bin" --json
# eBPF for Windows: xdp_md_t with 64-bit pointers (type=windows/xdp)
expect winxdp-pass 0 '"type": "windows/xdp"' '"retval": 1' '"data_out": "aa00' -- \
	run "$W" xdp type=windows/xdp data="$OUT/frame.bin" --json
expect winxdp-drop 0 '"retval": 2' -- run "$W" xdp type=windows/xdp data="$OUT/short.bin" --json
expect winxdp-verify 0 'Verification succeeded' -- show verification "$W" xdp type=windows/xdp
expect winxdp-as-linux 1 'Verification failed' 'crosses the end of field' -- show verification "$W" xdp
# bind_md_t: the section name says windows/bind; the app id is the packet
expect winbind-deny 0 'windows/bind' 'retval: 1' -- run "$W" bind data="$OUT/app.bin" ctx="$OUT/bind.bin"
expect winbind-permit 0 'retval: 0' -- run "$W" bind data="$OUT/svc.bin" ctx="$OUT/bind.bin"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
