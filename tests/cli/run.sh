#!/bin/sh
# tests/cli/run.sh BUILD - the CLI's behaviour: exit codes, error messages,
# results, golden outputs.  Prints PASS/FAIL lines and "N passed, N failed".
BUILD=${1:-build}
A=$BUILD/anybpf
T=$BUILD/cli-tests
mkdir -p "$T"
pass=0; fail=0

# check NAME WANT_EXIT PATTERN CMD...: exit code and a pattern (grep -E) in
# stdout+stderr ("" for none)
check() {
	name=$1 want=$2 pat=$3; shift 3
	"$@" >"$T/$name.out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, want $want"; sed 's/^/  | /' "$T/$name.out" | head -5
		fail=$((fail + 1)); return
	fi
	if [ -n "$pat" ] && ! grep -qE "$pat" "$T/$name.out"; then
		echo "FAIL $name: output lacks /$pat/"; sed 's/^/  | /' "$T/$name.out" | head -5
		fail=$((fail + 1)); return
	fi
	echo "PASS $name"; pass=$((pass + 1))
}
# same, and the output must be exactly the golden file
golden() {
	name=$1; shift
	"$@" >"$T/$name.out" 2>&1
	if cmp -s "$T/$name.out" "tests/cli/golden/$name"; then
		echo "PASS $name"; pass=$((pass + 1))
	else
		echo "FAIL $name: differs from tests/cli/golden/$name"
		diff "tests/cli/golden/$name" "$T/$name.out" | head -10 | sed 's/^/  | /'
		fail=$((fail + 1))
	fi
}

printf 'mov %%r0, 1\nexit\n' >"$T/one.s"
printf 'r0 = 0\nfoo r1\nexit\n' >"$T/syntax.s"
printf 'mov %%r11, 1\nexit\n' >"$T/badreg.s"
printf 'mov %%r0, 0\nl:\nadd %%r0, 1\nja l\n' >"$T/loop.s"
printf 'mov %%r0, 7\nja +1\nexit\n' >"$T/jmpout.s"
printf '0123456789abc' >"$T/odd.bin"
printf '\177ELF\002\001\001' >"$T/fake.o"

check no-command        2 'no command'                 $A
check unknown-command   2 "unknown command 'bogus'"    $A bogus
check help              0 'anybpf run FILE'            $A help
check version           0 '^anybpf [0-9]'              $A version
check run-usage         2 'usage: anybpf run'          $A run
check run-missing       2 'nope.s: No such file'       $A run "$T/nope.s"
check run-missing-obj   2 'nope.o: No such file'       $A run "$T/nope.o" pcap=x.pcap
check run-odd-bin       2 '13 bytes is not a whole number of 8-byte instructions' $A run "$T/odd.bin"
check run-object        2 'ELF identification'         $A run "$T/fake.o"
check run-syntax        2 'line 2'                     $A run "$T/syntax.s"
check run-badreg        2 'invalid destination register' $A run "$T/badreg.s"
check run-jmpout        2 'jump out of range'          $A run "$T/jmpout.s"
check run-unknown-opt   2 "unknown option 'foo='"      $A run "$T/one.s" foo=1
check run-bad-budget    2 'budget=abc: not an unsigned number' $A run "$T/one.s" budget=abc
check run-bad-check     2 'check=maybe'                $A run "$T/one.s" check=maybe
check run-bad-mode      2 'mode=aot'                   $A run "$T/one.s" mode=aot
check run-jit           0 '^0x1$'                      $A run "$T/one.s" mode=jit
check run-jit-checksum  0 '^0xffff$'                   $A run examples/ipv4_checksum.s mem=examples/packet.bin mode=jit
check run-one           0 '^0x1$'                      $A run "$T/one.s"
check run-abbrev        0 '^0x1$'                      $A ru "$T/one.s"
check run-budget        1 'budget'                     $A run "$T/loop.s" budget=1000
check run-checksum      0 '^0xffff$'                   $A run examples/ipv4_checksum.s mem=examples/packet.bin
check run-checksum-fast 0 '^0xffff$'                   $A run examples/ipv4_checksum.s mem=examples/packet.bin check=off
check run-short-frame   0 '^0x0$'                      $A run examples/ipv4_checksum.s mem="$T/odd.bin"
check run-wild-store    1 'pc 1'                       $A run examples/wild_store.s

# assemble -> disassemble -> assemble gives back the same bytes, both syntaxes
check asm               0 'wrote 27 instruction slots' $A assemble examples/ipv4_checksum.s "$T/c.bin"
$A disassemble "$T/c.bin" >"$T/c.llvm.s" 2>&1
$A disassemble "$T/c.bin" syntax=ubpf >"$T/c.ubpf.s" 2>&1
check reasm-llvm        0 ''                           $A assemble "$T/c.llvm.s" "$T/c2.bin"
check reasm-ubpf        0 ''                           $A assemble "$T/c.ubpf.s" "$T/c3.bin"
check roundtrip-llvm    0 ''                           cmp "$T/c.bin" "$T/c2.bin"
check roundtrip-ubpf    0 ''                           cmp "$T/c.bin" "$T/c3.bin"
check disasm-bad-syntax 2 'syntax=intel'               $A disassemble "$T/c.bin" syntax=intel
golden ipv4_checksum.llvm  $A disassemble examples/ipv4_checksum.s
golden ipv4_checksum.ubpf  $A disassemble examples/ipv4_checksum.s syntax=ubpf

# a failing .data file fails `test` with exit 1; a malformed one too
printf -- '-- asm\nmov %%r0, 1\nexit\n-- result\n0x2\n' >"$T/wrong.data"
printf -- '-- asm\nexit\n' >"$T/noresult.data"
check test-wrong        1 'expected 0x2, got 0x1'      $A test "$T/wrong.data"
check test-malformed    1 "no '-- result' or '-- error'" $A test "$T/noresult.data"

# make install: header, libraries, pkg-config file, man page; a program built
# against the installed copy runs (not in the sanitizer build, whose library
# needs the sanitizer runtime linked first)
if [ "${SANITIZE:-0}" != 1 ] && command -v pkg-config >/dev/null; then
	rm -rf "$T/inst"
	check install 0 '' make -s BUILD="$BUILD" install PREFIX="$PWD/$T/inst"
	printf '#include <anybpf.h>\n#include <stdio.h>\nint main(void) { puts(anybpf_strerror(-ANYBPF_E_OOB)); return 0; }\n' >"$T/inst.c"
	PC="env PKG_CONFIG_PATH=$T/inst/lib/pkgconfig pkg-config"
	check install-pkgconfig 0 '' sh -c "cc \$($PC --cflags anybpf) $T/inst.c -o $T/inst.out \$($PC --libs --static anybpf)"
	check install-run 0 'memory access out of bounds' env LD_LIBRARY_PATH="$T/inst/lib" "$T/inst.out"
	check install-man 0 '' test -f "$T/inst/share/man/man1/anybpf.1"
fi

# show verification: verdicts, source lines, exit codes
S=${SHARED:-../shared}/testdata/ebpf-samples/build
if [ -d "$S" ]; then
	check verify-reject 1 'packet_overflow.c:12' $A show verification "$S/packet_overflow.o"
	check verify-reject-msg 1 'needs data\+4 <= data_end' $A show verification "$S/packet_overflow.o"
	check verify-accept 0 'Program terminates within [0-9]+ instructions' $A sh ver "$S/bounded_loop.o"
	check verify-null   1 'NULL' $A show verification "$S/nullmapref.o" type=xdp
	check verify-json   1 '"verified": false' $A show verification "$S/nullmapref.o" --json
	check verify-level  2 'level=loud' $A show verification "$S/nullmapref.o" level=loud
	check verify-type   2 "unknown program type 'no_such_type'" $A show verification "$S/nullmapref.o" type=no_such_type
	check verify-nosec  2 'nosuch' $A show verification "$S/nullmapref.o" nosuch
fi
check verify-missing 2 'No such file' $A show verification "$T/nope.o"

# show cfg: basic blocks and labelled edges as text, Graphviz dot and JSON
if [ -d "$S" ]; then
	golden cfg_bounded_loop.txt $A show cfg "$S/bounded_loop.o"
	golden cfg_bpf2bpf.dot  $A show cfg "$S/bpf2bpf.o" format=dot
	check cfg-calls       0 ', 3 functions$' $A show cfg "$S/bpf2bpf.o"
	check cfg-json        0 '"kind": "taken"' $A show cfg "$S/bounded_loop.o" --json
	check cfg-unreachable 0 'block 2: pc 6-6 \(unreachable\)' $A show cfg "$S/byteswap.o"
	check cfg-invalid     2 'func: invalid code: pc 4: falls through the end' $A show cfg "$S/badrelo.o"
	check cfg-format      2 'format=svg: expected text or dot' $A show cfg "$S/bounded_loop.o" format=svg
	check cfg-json-dot    2 'exclude each other' $A show cfg "$S/bounded_loop.o" format=dot --json
	check cfg-noprog      2 "no program 'nosuch'" $A show cfg "$S/bounded_loop.o" program=nosuch
	check cfg-nosec       2 "no program section 'nosuch'" $A show cfg "$S/bounded_loop.o" nosuch
	check cfg-extra       2 'usage: anybpf show cfg' $A show cfg "$S/bounded_loop.o" test extra
	# level=informational: the failure slice (the path's instructions the error depends on)
	check verify-slice    1 '^      3: if r2 > r1 goto \+4  ; r2=packet\(off=0, range=0\)$' $A show verification "$S/packet_overflow.o" level=informational
	check verify-slice-null 1 '^      6: call 1  ; r0=map_value_or_null' $A show verification "$S/nullmapref.o" level=informational
	check verify-slice-json 1 '"slice": "0: r6 = 1  ; r6=1\\n2: r2 = r10' $A show verification "$S/nullmapref.o" level=informational --json
	# level=verbose --json: the state before each reached pc (want_states)
	check verify-states-json 1 '"facts": "r1.type=ctx, r1.ctx_offset=0, r10.type=stack, r10.stack_offset=512"' $A show verification "$S/nullmapref.o" level=verbose --json
	# global functions alone from BTF; uninitialized stack as root Linux allows it
	check verify-global   1 'r1 is mem_or_null' $A show verification "$S/bpf2bpf.o"
	check verify-uninit   1 'is uninitialized' $A show verification "$S/ringbuf_uninit.o"
	check verify-uninit-ok 0 'Verification succeeded' $A show verification "$S/ringbuf_uninit.o" uninit_stack=allow
	check verify-uninit-bad 2 'uninit_stack=maybe: expected allow or reject' $A show verification "$S/ringbuf_uninit.o" uninit_stack=maybe
	if command -v dot >/dev/null; then
		check cfg-dot-valid 0 '' sh -c "$A show cfg $S/bpf2bpf.o format=dot | dot -Tsvg -o $T/cfg.svg"
	fi
fi
check cfg-missing 2 'No such file' $A show cfg "$T/nope.o"
check cfg-usage   2 'usage: anybpf show cfg' $A show cfg
check cfg-garbage 2 'fake.o' $A show cfg "$T/fake.o"
if command -v "${CLANG:-clang}" >/dev/null && make -s BUILD="$BUILD" CLANG="${CLANG:-clang}" examples >/dev/null 2>&1; then
	golden cfg_xdp_counter.dot $A show cfg "$BUILD/examples/xdp_counter.o" format=dot
	# show jited: capstone's x86-64 under each eBPF instruction and source
	# line (addresses vary: patterns, not a golden file)
	if [ "$(uname -m)" = x86_64 ]; then
		XC=$BUILD/examples/xdp_counter.o
		check jited-size    0 '^; code size: [0-9]+ bytes for 12 eBPF instruction slots$' $A show jited "$XC"
		check jited-source  0 '^; .*xdp_counter.c:19$' $A show jited "$XC"
		check jited-entry   0 '^ +0:	push	rbp$' $A show jited "$XC"
		check jited-insn    0 '^ +[0-9a-f]+:	lock add	qword ptr \[rax\], rdi$' \
			sh -c "$A show jited $XC | grep -A1 '^; *9: lock' | tail -n 1"
		# the array lookup inlined: the key checked against max_entries (1)
		check jited-inline  0 '^ +[0-9a-f]+:	cmp	eax, 1$' \
			sh -c "$A show jited $XC | grep -A2 '^; *6: r0 = bpf_map_lookup_elem'"
		check jited-opcodes 0 '^ +[0-9a-f]+:	f0 48 01 38 +	lock add' $A show jited "$XC" opcodes
		check jited-att     0 'lock addq	%rdi, \(%rax\)$' $A show jited "$XC" syntax=att
		check jited-json    0 '"asm": "lock add qword ptr \[rax\], rdi"' $A show jited "$XC" --json
		check jited-json-size 0 '"code_size": [0-9]+,' $A show jited "$XC" --json
		check jited-blind   0 '	xor	r11, ' $A show jited "$XC" blind=1
		check jited-rejected 1 'rejected by the verifier' $A show jited "$BUILD/examples/xdp_counter_bad.o"
		check jited-unverified 0 '^; code size: ' $A show jited "$BUILD/examples/xdp_counter_bad.o" unverified
		check jited-syntax  2 'syntax=gas: expected intel or att' $A show jited "$XC" syntax=gas
		check jited-blind-bad 2 'blind=2: expected 0 or 1' $A show jited "$XC" blind=2
		check jited-noprog  2 "no program 'nosuch'" $A show jited "$XC" program=nosuch
	fi
	check run-blind      0 '^0xffff$' $A run examples/ipv4_checksum.s mem=examples/packet.bin mode=jit blind=1
	check run-blind-nojit 2 'blind=1: constant blinding is the JIT' $A run examples/ipv4_checksum.s blind=1
	# a bpf_loop callback: an edge to the callback's own function
	printf '%s\n' 'static long (*bpf_loop)(unsigned nr, void *fn, void *ctx, unsigned long long flags) = (void *)181;' \
		'static int cb(unsigned i, void *ctx) { (*(int *)ctx) += i; return 0; }' \
		'__attribute__((section("xdp"), used)) int prog(void *ctx) { int x = 0; bpf_loop(10, cb, &x, 0); return x & 1; }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' >"$T/cb.c"
	if "${CLANG:-clang}" -O2 -g -target bpf -c "$T/cb.c" -o "$T/cb.o" 2>/dev/null; then
		check cfg-callback 0 '^    -> block 1 \(callback\)$' $A show cfg "$T/cb.o"
		check cfg-callback-dot 0 'p0_b0 -> p0_b1 \[label="callback", style=dashed\]' $A show cfg "$T/cb.o" format=dot
		# the callback run by the JIT (the default for verified programs) and
		# by the interpreter
		check run-jit-callback 0 'retval: 1 \(XDP_DROP\)' $A run "$T/cb.o"
		check run-interp-callback 0 'retval: 1 \(XDP_DROP\)' $A run "$T/cb.o" mode=interp
	fi
fi

# the man page documents every command
for cmd in $(sed -n 's/^CMD("\([^"]*\)".*/\1/p' src/cli/commands.def | tr ' ' '_'); do
	c=$(echo "$cmd" | tr '_' ' ')
	check "man-$cmd" 0 '' grep -q "^\.B $c" docs/anybpf.1
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
