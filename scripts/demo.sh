#!/bin/sh
# scripts/demo.sh BUILD - the main jobs on the bundled examples.
B=${1:-build}/anybpf
E=${1:-build}/examples
set -e
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
# inspect and verify an object compiled by clang (examples/xdp_counter.c)
step $B show sections $E/xdp_counter.o
step $B show disassembly $E/xdp_counter.o xdp
step $B show verification $E/xdp_counter.o
step $B run $E/xdp_counter.o data=examples/packet.bin repeat=1000 --dump-maps
printf '\n(the verified program ran 1000 times on the packet: the map counts 1000, 0x3e8)\n'
set +e
step $B show verification $E/xdp_counter_bad.o
printf '\n(exit %d: rejected, with the source line, what was needed and a fix)\n' $?
set -e
# replay a capture through the seed's "foobar" socket filter (examples/sock_foobar.c)
step $B run $E/sock_foobar.o pcap=examples/packets.pcap
printf '\n(the 2 packets of the capture that contain "foobar" were dropped)\n'
# raw programs: assemble, disassemble, run in the checking interpreter
step $B assemble examples/ipv4_checksum.s ${1:-build}/ipv4_checksum.bin
step $B disassemble ${1:-build}/ipv4_checksum.bin
step $B disassemble ${1:-build}/ipv4_checksum.bin syntax=ubpf
step $B run examples/ipv4_checksum.s mem=examples/packet.bin
printf '\n(0xffff: the IPv4 header checksum of examples/packet.bin is right)\n'
set +e
step $B run examples/wild_store.s
printf '\n(exit %d: the checking interpreter caught the wild store)\n' $?
