#!/bin/sh
# tests/objects/run.sh BUILD - the object loader and the `show` commands.
#
#   load-*      every sample object under ebpf-samples/{build,linux,
#               prototype-kernel} loads, and its (section, program,
#               instruction count) rows equal EXPECTED.tsv's (the count is
#               the linked program's, subprograms included)
#   maps-*      every map definition is decoded: a known type, max_entries
#               > 0, and the whole table equals tests/objects/maps.expected
#   objdump-*   for every program section, `anybpf show disassembly FILE
#               SECTION raw` equals `llvm-objdump -d --no-show-raw-insn`
#               instruction by instruction, after this normalisation:
#                 - llvm-objdump's trailing jump label ` <LBB0_2>` is dropped;
#                 - a relocated lddw: ours is LLVM's pseudo form
#                   `ld_pseudo rD, SRC, IMM` (map fd / map value), llvm-objdump
#                   prints the unrelocated `rD = N ll`: equal when rD is;
#                 - a call llvm-objdump prints as `call -1` (the placeholder of
#                   an R_BPF_64_32 relocation) equals any `call N` of ours (the
#                   subprogram's distance in the linked program);
#               everything else must be byte-equal.  This compares each
#               program's own function through the CLI; "linked" then compares
#               every instruction of every linked program (subprograms
#               included) with llvm-objdump's at the slot it came from.
#   invalid-*   every file of ebpf-samples/invalid loads or fails with exit 2
#               and exactly one line on stderr, never a crash
#   cli-*       clear errors (exit 2, one line) for no such file / section /
#               program / option
#   mutate      10,000 random byte flips and truncations of the samples,
#               loaded in-process (tests/objects/objtool.c) in < 120 s; run
#               under ASan+UBSan by `make test SANITIZE=1`
#   golden-*    tests/objects/progs/*.c compiled with clang -O2 -g -target bpf,
#               every show command compared with tests/objects/golden/
#
# Prints PASS/FAIL lines and "N passed, N failed"; exit 1 on failure.
# Environment: SHARED (default ../shared), CC, CLANG, LLVM_OBJDUMP,
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
BUILD=${1:-build}
SHARED=${SHARED:-../shared}
SAMPLES=$SHARED/testdata/ebpf-samples
CC=${CC:-cc}
CLANG=${CLANG:-clang}
OBJDUMP=${LLVM_OBJDUMP:-llvm-objdump}
ROOT=$(pwd)
OUT=$BUILD/objects
ANYBPF=$ROOT/$BUILD/anybpf
case $BUILD in /*) ANYBPF=$BUILD/anybpf ;; esac
mkdir -p "$OUT"
pass=0; fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -n "$2" ] && echo "  $2"; fail=$((fail + 1)); }

# objtool, built with the library's sanitizer flags
SAN=
if nm "$BUILD/libanybpf.a" 2>/dev/null | grep -q __asan_report; then
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
fi
TOOL=$OUT/objtool
if ! $CC -std=gnu11 -g -O1 $SAN -Iinclude -Isrc tests/objects/objtool.c "$BUILD/libanybpf.a" \
	-lelf -lpthread -lm -o "$TOOL" 2>"$OUT/objtool.log"; then
	ko build-objtool "$(head -3 "$OUT/objtool.log")"
	echo "$pass passed, $fail failed"
	exit 1
fi

if [ ! -d "$SAMPLES" ]; then
	echo "samples: $SAMPLES not found"
else
	files=$(cd "$SAMPLES" && ls build/*.o linux/*.o prototype-kernel/*.o)

	# ---- load + (section, program) sets --------------------------------
	awk -F'\t' 'NR > 1 && $1 !~ /^invalid\// { print $1 "\t" $2 "\t" $3 "\t" $5 }' \
		"$SAMPLES/EXPECTED.tsv" | LC_ALL=C sort > "$OUT/expected.tsv"
	: > "$OUT/ours.tsv"
	for f in $files; do
		if (cd "$SAMPLES" && "$ROOT/$TOOL" progs "$f") > "$OUT/one.tsv" 2> "$OUT/one.err"; then
			cat "$OUT/one.tsv" >> "$OUT/ours.tsv"
			want=$(grep -c "^$f	" "$OUT/expected.tsv")
			got=$(wc -l < "$OUT/one.tsv")
			if [ "$(grep "^$f	" "$OUT/expected.tsv")" = "$(LC_ALL=C sort "$OUT/one.tsv")" ]; then
				ok "load $f ($got programs)"
			else
				ko "load $f" "programs differ from EXPECTED.tsv ($got found, $want expected)"
				diff "$OUT/one.tsv" - <<EOF | head -5 | sed 's/^/    /'
$(grep "^$f	" "$OUT/expected.tsv")
EOF
			fi
		else
			ko "load $f" "$(head -1 "$OUT/one.err")"
		fi
	done
	nprogs=$(wc -l < "$OUT/ours.tsv")

	# ---- maps -------------------------------------------------------------
	if (cd "$SAMPLES" && "$ROOT/$TOOL" maps $files) > "$OUT/maps.tsv" 2> "$OUT/maps.err"; then
		bad=$(awk -F'\t' '$3 == "unknown" || $6 == 0' "$OUT/maps.tsv" | head -3)
		nmaps=$(wc -l < "$OUT/maps.tsv")
		if [ -n "$bad" ]; then
			ko "maps-decoded" "$bad"
		else
			ok "maps-decoded ($nmaps maps: known type, max_entries > 0)"
		fi
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$OUT/maps.tsv" tests/objects/maps.expected
		fi
		if diff tests/objects/maps.expected "$OUT/maps.tsv" > "$OUT/maps.diff"; then
			ok "maps-table (type, key, value, max_entries, flags of $nmaps maps)"
		else
			ko "maps-table" "$(head -4 "$OUT/maps.diff" | tr '\n' ' ')"
		fi
	else
		ko "maps-decoded" "$(head -1 "$OUT/maps.err")"
	fi

	# ---- raw disassembly against llvm-objdump ---------------------------
	lines=0
	cut -f1,2 "$OUT/ours.tsv" | LC_ALL=C sort -u > "$OUT/sections.tsv"
	while IFS='	' read -r f sec; do
		"$ANYBPF" show disassembly "$SAMPLES/$f" "$sec" raw > "$OUT/ours.dis" 2> "$OUT/ours.err"
		rc=$?
		"$OBJDUMP" -d --no-show-raw-insn --section="$sec" "$SAMPLES/$f" > "$OUT/llvm.dis" 2>&1
		res=$(awk -v OURS="$OUT/ours.dis" '
			function norm_llvm(t) { sub(/ <[^>]*>$/, "", t); return t }
			/^ *[0-9]+:\t/ {
				n = $0; sub(/:.*/, "", n); n += 0
				t = $0; sub(/^ *[0-9]+:\t/, "", t)
				llvm[n] = norm_llvm(t)
			}
			END {
				cnt = 0; bad = ""
				while ((getline l < OURS) > 0) {
					n = l; sub(/:.*/, "", n); n += 0
					t = l; sub(/^[0-9]+: /, "", t)
					cnt++
					if (!(n in llvm)) { bad = n ": not in llvm-objdump"; break }
					w = llvm[n]
					if (t == w) continue
					if (t ~ /^ld_pseudo\tr[0-9]+, /) {
						r = t; sub(/^ld_pseudo\t/, "", r); sub(/,.*/, "", r)
						if (w ~ ("^" r " = -?[0-9]+ ll$")) continue
					}
					if (t ~ /^call -?[0-9]+$/ && w == "call -1") continue
					bad = n ": ours \"" t "\", llvm-objdump \"" w "\""
					break
				}
				if (cnt == 0 && bad == "") bad = "no instructions"
				print cnt "\t" bad
			}' "$OUT/llvm.dis")
		cnt=${res%%	*}; why=${res#*	}
		if [ $rc -eq 0 ] && [ -z "$why" ]; then
			ok "objdump $f $sec ($cnt instructions)"
			lines=$((lines + cnt))
		else
			ko "objdump $f $sec" "${why:-exit $rc: $(head -1 "$OUT/ours.err")}"
		fi
	done < "$OUT/sections.tsv"
	echo "compared $lines instructions of $nprogs programs with llvm-objdump"

	# ---- every linked instruction (subprograms too) against its origin ----
	# objtool linked: section, slot, rewritten-by-the-loader flag, text.  A
	# rewritten instruction (pseudo lddw, local call with its linked
	# distance) must be the same kind as llvm-objdump's (an lddw `... ll`
	# into the same register / a call); every other one byte-equal.
	total=0
	for f in $files; do
		"$TOOL" linked "$SAMPLES/$f" > "$OUT/linked.tsv" 2> "$OUT/linked.err" || {
			ko "linked $f" "$(head -1 "$OUT/linked.err")"; continue; }
		: > "$OUT/llvm.all"
		for s in $(cut -f1 "$OUT/linked.tsv" | LC_ALL=C sort -u); do
			"$OBJDUMP" -d --no-show-raw-insn --section="$s" "$SAMPLES/$f" 2>/dev/null |
			awk -v S="$s" '/^ *[0-9]+:\t/ {
				n = $0; sub(/:.*/, "", n); n += 0
				t = $0; sub(/^ *[0-9]+:\t/, "", t); sub(/ <[^>]*>$/, "", t)
				print S "\t" n "\t" t }' >> "$OUT/llvm.all"
		done
		res=$(awk -F'\t' '
			NR == FNR { llvm[$1 SUBSEP $2] = $3; next }
			{
				cnt++
				k = $1 SUBSEP $2
				if (!(k in llvm)) { bad = $1 " " $2 ": not in llvm-objdump"; exit }
				w = llvm[k]; t = $4
				if (t == w) next
				if ($3 == 1 && t ~ /^ld_pseudo /) {
					r = t; sub(/^ld_pseudo /, "", r); sub(/,.*/, "", r)
					if (w ~ ("^" r " = -?[0-9]+ ll$")) next
				}
				if ($3 == 1 && t ~ /^call / && w ~ /^call -?[0-9]+$/) next
				bad = $1 " " $2 ": ours \"" t "\", llvm-objdump \"" w "\""
				exit
			}
			END { print cnt + 0 "\t" bad }' "$OUT/llvm.all" "$OUT/linked.tsv")
		cnt=${res%%	*}; why=${res#*	}
		if [ -z "$why" ]; then
			total=$((total + cnt))
		else
			ko "linked $f" "$why"
		fi
	done
	ok "linked: $total instructions of $nprogs linked programs (subprograms included) equal llvm-objdump's at their origin"

	# ---- invalid files -----------------------------------------------------
	for f in "$SAMPLES"/invalid/*; do
		b=$(basename "$f")
		"$ANYBPF" show sections "$f" > "$OUT/inv.out" 2> "$OUT/inv.err"
		rc=$?
		nl=$(wc -l < "$OUT/inv.err")
		if [ $rc -eq 0 ] && [ "$nl" -eq 0 ]; then
			ok "invalid $b (loads: valid ELF; the verifier judges its programs)"
		elif [ $rc -eq 2 ] && [ "$nl" -eq 1 ]; then
			ok "invalid $b: $(cut -c1-150 "$OUT/inv.err")"
		else
			ko "invalid $b" "exit $rc, $nl stderr lines: $(head -2 "$OUT/inv.err")"
		fi
	done

	# ---- mutation test -------------------------------------------------------
	start=$(date +%s)
	if (cd "$SAMPLES" && timeout 300 "$ROOT/$TOOL" mutate 10000 12345 $files) \
		> "$OUT/mutate.out" 2>&1; then
		secs=$(( $(date +%s) - start ))
		if [ $secs -lt 120 ]; then
			ok "mutate: $(tail -1 "$OUT/mutate.out") in ${secs}s"
		else
			ko "mutate" "took ${secs}s (limit 120)"
		fi
	else
		ko "mutate" "$(tail -3 "$OUT/mutate.out" | tr '\n' ' ')"
	fi
fi

# ---- CLI errors --------------------------------------------------------------
cli_err() { # name expected-exit command...
	name=$1; want=$2; shift 2
	"$@" > "$OUT/cli.out" 2> "$OUT/cli.err"
	rc=$?
	nl=$(wc -l < "$OUT/cli.err")
	if [ $rc -eq "$want" ] && [ "$nl" -ge 1 ] && [ ! -s "$OUT/cli.out" ]; then
		ok "cli $name: $(head -1 "$OUT/cli.err")"
	else
		ko "cli $name" "exit $rc (want $want), stderr: $(head -2 "$OUT/cli.err")"
	fi
}
cli_err no-file 2 "$ANYBPF" show sections "$OUT/no-such-file.o"
printf 'not an object' > "$OUT/notelf.o"
cli_err not-elf 2 "$ANYBPF" show sections "$OUT/notelf.o"

# ---- golden outputs ----------------------------------------------------------
PROGS=$OUT/progs
mkdir -p "$PROGS"
MULTI=$($CC -print-multiarch 2>/dev/null)
INC=
[ -n "$MULTI" ] && [ -d "/usr/include/$MULTI" ] && INC="-I/usr/include/$MULTI"
built=
for src in tests/objects/progs/*.c; do
	b=$(basename "$src" .c)
	if $CLANG -O2 -g -target bpf -Itests/objects/progs $INC -c "$src" -o "$PROGS/$b.o" \
		2> "$PROGS/$b.log"; then
		built="$built $b"
	else
		ko "compile $b.c" "$(head -2 "$PROGS/$b.log")"
	fi
done
# golden NAME COMMAND... (run in $PROGS; the checkout path is removed)
golden() {
	name=$1; shift
	(cd "$PROGS" && "$ANYBPF" "$@") > "$OUT/g.out" 2>&1
	echo "exit $?" >> "$OUT/g.out"
	sed -e "s|$ROOT/||g" "$OUT/g.out" > "$OUT/g.norm"
	exp=tests/objects/golden/$name.out
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$OUT/g.norm" "$exp"
	fi
	if [ ! -f "$exp" ]; then
		ko "golden $name" "no $exp (UPDATE_GOLDEN=1 writes it)"
	elif diff -u "$exp" "$OUT/g.norm" > "$OUT/g.diff"; then
		ok "golden $name"
	else
		ko "golden $name" "$(sed -n '3,8p' "$OUT/g.diff" | tr '\n' '|')"
	fi
}
has() { case " $built " in *" $1 "*) return 0 ;; esac; return 1; }
if has bpf; then
	golden bpf.sections show sections bpf.o
	golden bpf.abbrev sh sec bpf.o
	golden bpf.section show section bpf.o .text verbose
	golden bpf.disassembly show disassembly bpf.o
	golden bpf.section-type show section bpf.o .text level=verbose type=xdp
	golden bpf.btf-raw show btf bpf.o
	golden bpf.btf-json show btf bpf.o --json
	golden bpf.bad-type show sections bpf.o type=nosuch
	golden bpf.bad-option show sections bpf.o colour=blue
fi
if has bpf2; then
	golden bpf2.sections show sections bpf2.o
	golden bpf2.dis-myprog show disassembly bpf2.o myprog
	golden bpf2.dis-another show disassembly bpf2.o another
	golden bpf2.no-section show disassembly bpf2.o nosuch
	golden bpf2.no-program show section bpf2.o myprog program=nosuch
	golden bpf2.json show sections bpf2.o --json
fi
if has helpers; then
	golden helpers.disassembly show disassembly helpers.o
	golden helpers.section show section helpers.o .text verbose
fi
if has map; then
	golden map.sections show sections map.o
	golden map.disassembly show disassembly map.o
	golden map.raw show disassembly map.o myprog raw
	golden map.maps show maps map.o
	golden map.section show section map.o myprog level=verbose
	golden map.lines show lines map.o
fi
if has map_linux; then
	golden map_linux.sections show sections map_linux.o level=verbose
	golden map_linux.disassembly show disassembly map_linux.o
	golden map_linux.maps-json show maps map_linux.o --json
fi
if has xdp_counter; then
	golden xdp_counter.sections show sections xdp_counter.o
	golden xdp_counter.disassembly show disassembly xdp_counter.o xdp
	golden xdp_counter.section show section xdp_counter.o xdp verbose --json
	golden xdp_counter.maps show maps xdp_counter.o
	golden xdp_counter.lines show lines xdp_counter.o xdp
	golden xdp_counter.dis-json show disassembly xdp_counter.o xdp program=count_packets --json
	golden xdp_counter.btf-c show btf xdp_counter.o format=c
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
