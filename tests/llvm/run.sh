#!/bin/sh
# tests/llvm/run.sh - our disassembler against llvm-objdump (LLVM 14).
#
# Compiles tests/llvm/*.c with clang for BPF (default cpu, -mcpu=v2, -mcpu=v3),
# extracts each executable section to a .bin with llvm-objcopy, and compares
# `anybpf disassemble X.bin` line for line with
# `llvm-objdump -d --no-show-raw-insn --section=SEC X.o` (headers dropped, the
# trailing " <label>" of jumps dropped).  One more object comes from llvm-mc:
# `.byte` lines with every row of isa.def over edge field values
# (`dis --gen`), minus the rows LLVM 14 decodes as something else (listed in
# dis.c), and the same again with nonzero reserved fields (`--gen-reserved`).  Instructions llvm-objdump 14 cannot decode (`<unknown>`, the v4
# additions) are skipped at their pc on both sides, as is its `lea` (a
# codegen pseudo it sometimes decodes in place of `ld_pseudo r0, 2, 0`).
#
# Each section that matches is also disassembled in uBPF syntax and assembled
# back, which must give the same bytes (dis --round-trip), and, where
# llvm-objdump decoded all of it, llvm-objdump's own listing must assemble
# to the section's bytes (dis --asm-listing).
#
# Usage: tests/llvm/run.sh [BUILD]   (BUILD defaults to build)
# Prints PASS/FAIL per object section and "N passed, N failed".
BUILD=${1:-${BUILD:-build}}
CLANG=${CLANG:-clang}
OBJDUMP=${OBJDUMP:-llvm-objdump}
OBJCOPY=${OBJCOPY:-llvm-objcopy}
MC=${MC:-llvm-mc}
CC=${CC:-cc}
src=$(dirname "$0")
out=$BUILD/llvm
mkdir -p "$out"
pass=0; fail=0; skip=0

for tool in "$CLANG" "$OBJDUMP" "$OBJCOPY" "$MC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP llvm: $tool not found"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done

# the generator (and, if the CLI is missing, the disassembler)
# (a SANITIZE=1 library needs the sanitizer runtimes at link time)
build_dis() {
	$CC -std=gnu11 -O1 -g "$@" -Iinclude -Isrc -Isrc/isa "$src/dis.c" "$BUILD/libanybpf.a" \
		-lelf -lpthread -lm -o "$out/dis" 2>"$out/dis.log"
}
if ! build_dis && ! build_dis -fsanitize=address,undefined; then
	echo "FAIL build dis.c:"; cat "$out/dis.log"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ -x "$BUILD/anybpf" ]; then
	disasm() { "$BUILD/anybpf" disassemble "$1"; }
else
	disasm() { "$out/dis" "$1"; }
fi

# listing FILE: "pc<TAB>text" lines, labels dropped
listing() {
	grep -E '^ *[0-9]+:	' "$1" | sed -E 's/ <[^<>]*>$//; s/^ *([0-9]+):	/\1	/'
}

# compare NAME OBJ SECTION [noreasm]
compare() {
	name=$1; obj=$2; sec=$3; reasm=${4:-yes}
	base=$out/$name
	if ! $OBJCOPY -O binary --only-section="$sec" "$obj" "$base.bin" 2>"$base.err"; then
		echo "FAIL $name: llvm-objcopy: $(head -1 "$base.err")"; fail=$((fail + 1)); return
	fi
	$OBJDUMP -d --no-show-raw-insn --section="$sec" "$obj" >"$base.objdump.raw" 2>"$base.err"
	listing "$base.objdump.raw" >"$base.llvm"
	disasm "$base.bin" >"$base.ours.raw" 2>"$base.err"
	: >"$base.skip"
	listing "$base.ours.raw" >"$base.ours"
	# drop the pcs llvm-objdump 14 cannot decode, on both sides; and its
	# misdecode of the 32-bit fetch-add clang -mcpu=v3 emits: in its default
	# mode it prints the non-fetching `lock *(u32 *)(..) += r1`, while with
	# --mattr=+alu32 (or later LLVM) it prints `w1 = atomic_fetch_add(...)`
	# as we do
	awk -F'\t' 'NR == FNR { if ($2 == "<unknown>" || $2 == "lea") bad[$1] = 1
				 if ($2 ~ /^lock \*\(u32 \*\)/) lock32[$1] = 1; next }
		     lock32[$1] && $2 ~ /= atomic_fetch_add\(\(u32 \*\)/ { print $1 > skipf; next }
		     !($1 in bad)' skipf="$base.skip" "$base.llvm" "$base.ours" >"$base.ours.cmp"
	awk -F'\t' 'FILENAME == ARGV[1] { skip[$1] = 1; next }
		     $2 != "<unknown>" && $2 != "lea" && !($1 in skip)' "$base.skip" "$base.llvm" \
		>"$base.llvm.cmp"
	n=$(wc -l <"$base.llvm.cmp")
	if [ "$n" -eq 0 ]; then
		echo "FAIL $name: llvm-objdump printed no instructions"; fail=$((fail + 1)); return
	fi
	if diff "$base.llvm.cmp" "$base.ours.cmp" >"$base.diff"; then
		k=$(wc -l <"$base.skip")
		if [ "$k" -gt 0 ]; then
			echo "PASS $name ($n instructions; $k 32-bit fetch-adds llvm-objdump 14 misprints)"
		else
			echo "PASS $name ($n instructions)"
		fi
		pass=$((pass + 1))
		[ "$reasm" = noreasm ] && return
		if "$out/dis" --round-trip "$base.bin" >"$base.rt" 2>&1; then
			echo "PASS $name-round-trip"; pass=$((pass + 1))
		else
			echo "FAIL $name-round-trip: $(head -2 "$base.rt" | tr '\n' ' ')"
			fail=$((fail + 1))
		fi
		# llvm-objdump's own listing (raw bytes and labels left in)
		# assembles to the same bytes, where it decoded everything
		if ! grep -q '<unknown>' "$base.objdump.raw"; then
			$OBJDUMP -d --section="$sec" "$obj" | grep -E '^ *[0-9]+:' >"$base.listing"
			if "$out/dis" --asm-listing "$base.listing" "$base.bin" >"$base.la" 2>&1; then
				echo "PASS $name-assemble-objdump"; pass=$((pass + 1))
			else
				echo "FAIL $name-assemble-objdump: $(head -2 "$base.la" | tr '\n' ' ')"
				fail=$((fail + 1))
			fi
		fi
	else
		echo "FAIL $name: differs from llvm-objdump ($base.diff):"
		head -n 10 "$base.diff" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

# executable sections of an object
text_sections() {
	$OBJDUMP -h "$1" | awk '$NF == "TEXT" && $3 !~ /^0+$/ { print $2 }'
}

for c in "$src"/*.c; do
	prog=$(basename "$c" .c)
	[ "$prog" = dis ] && continue
	for cpu in default v2 v3; do
		obj=$out/$prog-$cpu.o
		case $cpu in
		default) flag=-DBPF_CPU=1 ;;
		*) flag="-mcpu=$cpu -DBPF_CPU=${cpu#v}" ;;
		esac
		if ! $CLANG -O2 -g -target bpf $flag -I"$src" -c "$c" -o "$obj" 2>"$obj.err"; then
			echo "FAIL $prog-$cpu: clang:"; sed 's/^/    /' "$obj.err" | head -5
			fail=$((fail + 1)); continue
		fi
		for sec in $(text_sections "$obj"); do
			compare "$prog-$cpu-$(echo "$sec" | tr -c 'A-Za-z0-9_\n' _)" "$obj" "$sec"
		done
	done
done

# every row of isa.def that LLVM 14 decodes, over edge values
{ "$out/dis" --gen; "$out/dis" --gen-reserved; } >"$out/all-rows.s"
if $MC -triple bpfel -filetype=obj "$out/all-rows.s" -o "$out/all-rows.o" 2>"$out/all-rows.err"; then
	compare all-rows "$out/all-rows.o" .text
	# the same rows with nonzero reserved fields: text only (they do not
	# re-assemble to the same bytes; the validator refuses them)
	compare all-rows-reserved "$out/all-rows.o" reserved noreasm
else
	echo "FAIL all-rows: llvm-mc: $(head -1 "$out/all-rows.err")"; fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
