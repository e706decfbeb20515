#!/bin/sh
# tests/run.sh - run every test suite; each prints its own "N passed, N failed
# [, N skipped]" line, which is added up into the closing line.
# Environment: BUILD (build dir, default build), SHARED (../shared).
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
UBPF=$SHARED/testdata/ubpf
out=$BUILD/test-logs
mkdir -p "$out"
tp=0; tf=0; ts=0; bad=0

# suite NAME COMMAND...: run it, show its failures, add up its summary line
suite() {
	name=$1; shift
	log=$out/$name.log
	start=$(date +%s)
	# no suite may hang the run: 10 minutes each at most
	timeout -k 10 600 "$@" >"$log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "suite $name: timed out after 600 s" >>"$log"
	secs=$(( $(date +%s) - start ))
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "suite $name: no summary line (exit $rc); last lines:"
		tail -n 20 "$log" | sed 's/^/    /'
		bad=1
		tf=$((tf + 1))
		return
	fi
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
	s=${s:-0}
	tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + s))
	printf '%-22s %5d passed, %d failed, %d skipped  (%ss)\n' "$name" "$p" "$f" "$s" "$secs"
	if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
		grep -E '^(FAIL|  )' "$log" | head -n 40 | sed 's/^/    /'
		[ "$f" -eq 0 ] && { echo "    (exit $rc)"; tf=$((tf + 1)); }
		bad=1
	fi
}

[ -x "$BUILD/unit_tests" ] && suite unit "$BUILD/unit_tests"

if [ -d "$UBPF" ]; then
	# err-unknown-opcode.data predates ISA v4 (0x06 is ja32 now): replaced by
	# tests/data/v4/*unknown-opcode*.data, see docs/isa.md
	ubpf_files=$(find "$UBPF" -name '*.data' ! -name err-unknown-opcode.data | sort)
	suite ubpf-checked "$BUILD/anybpf" test $ubpf_files
	suite ubpf-fast "$BUILD/anybpf" test check=off $ubpf_files
	[ "$(uname -m)" = x86_64 ] && suite ubpf-jit "$BUILD/anybpf" test mode=jit $ubpf_files
	[ "$(uname -m)" = x86_64 ] && suite ubpf-jit-blind "$BUILD/anybpf" test mode=jit blind=1 $ubpf_files
else
	echo "ubpf suites: skipped ($UBPF not found)"
fi

own=$(find tests/data -name '*.data' 2>/dev/null | sort)
if [ -n "$own" ]; then
	suite data-checked "$BUILD/anybpf" test $own
	suite data-fast "$BUILD/anybpf" test check=off $own
	[ "$(uname -m)" = x86_64 ] && suite data-jit "$BUILD/anybpf" test mode=jit $own
	[ "$(uname -m)" = x86_64 ] && suite data-jit-blind "$BUILD/anybpf" test mode=jit blind=1 $own
fi

# the independent Python reference model: generated files are current, and
# the model agrees with uBPF's vectors
if command -v python3 >/dev/null 2>&1; then
	suite gen-check python3 tests/data/gen/gen.py --check
	[ -d "$UBPF" ] && suite check-model python3 tests/data/gen/check_model.py
fi

for s in cli llvm objects runtime soundness examples; do
	[ -f "tests/$s/run.sh" ] && suite "$s" sh "tests/$s/run.sh" "$BUILD"
done
[ -f tests/runtime/hooks.sh ] && suite runtime-hooks sh tests/runtime/hooks.sh "$BUILD"

if [ "$ts" -ne 0 ]; then
	echo "$tp passed, $tf failed, $ts skipped"
else
	echo "$tp passed, $tf failed"
fi
[ "$bad" -eq 0 ] && [ "$tf" -eq 0 ]
