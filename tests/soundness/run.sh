#!/bin/sh
# tests/soundness/run.sh BUILD - the soundness suite (issue 4 section 4):
# every sample program our verifier accepts, and mutants of it the verifier
# accepts, run in strict checking mode on random packets, contexts and map
# contents; any violation is a verifier bug.  See tests/soundness/main.c for
# the environment (SOUND_INPUTS, SOUND_MUTANTS, SOUND_MUTANT_INPUTS,
# SOUND_SEED, SOUND_FILTER).  Prints "N passed, N failed, N skipped".
BUILD=${1:-build}
SHARED=${SHARED:-../shared}
CC=${CC:-cc}
case "$SANITIZE" in 1) SAN="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" ;; *) SAN="-O2" ;; esac
BIN=$BUILD/soundness
if ! $CC -std=gnu11 $SAN -g -Wall -Wextra -Werror -Wshadow -Iinclude -Isrc -Isrc/isa \
	tests/soundness/main.c tests/soundness/sound.c "$BUILD/libanybpf.a" -lelf -lpthread -lm \
	-o "$BIN"; then
	echo "FAIL build of $BIN"
	echo "0 passed, 1 failed"
	exit 1
fi
ANYBPF_SAMPLES=${ANYBPF_SAMPLES:-$SHARED/testdata/ebpf-samples} exec "$BIN"
