# tests/lib.sh - sourced by the shell suites (from the repository root):
# the PASS/FAIL/SKIP counters and `expect`.  The suite sets OUT (where the
# outputs go), ANYBPF (the CLI) and optionally EXPECT_PREFIX (words put
# before the arguments, e.g. "run"); it ends with
#   echo "$pass passed, $fail failed, $skip skipped"
pass=0; fail=0; skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; [ -n "$2" ] && echo "  $2"; fail=$((fail + 1)); }
sk() { echo "SKIP $1${2:+: $2}"; skip=$((skip + 1)); }

# expect NAME WANT_RC PATTERN... -- ARGS: `$ANYBPF $EXPECT_PREFIX ARGS`
# exits WANT_RC and its stdout+stderr ($OUT/NAME.out) contain every
# fixed-string PATTERN
expect() {
	name=$1; want=$2; shift 2
	pats=""
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	"$ANYBPF" $EXPECT_PREFIX "$@" >"$OUT/$name.out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		ko "$name" "exit $rc, expected $want: $(head -c 300 "$OUT/$name.out")"
		return
	fi
	echo "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		grep -qF -- "$p" "$OUT/$name.out" || { echo "missing: $p"; break; }
	done >"$OUT/$name.miss"
	if [ -s "$OUT/$name.miss" ]; then
		ko "$name" "$(cat "$OUT/$name.miss"); got: $(head -c 400 "$OUT/$name.out")"
	else
		ok "$name"
	fi
}
