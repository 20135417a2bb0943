#!/bin/sh
# `make check`: every test twice over, once in the gcc build and once in a
# clang build with AddressSanitizer and UndefinedBehaviorSanitizer (which
# also builds the libFuzzer targets), then one line "N passed, N failed".
set -u
BUILD=${1:-build}
ASAN=${ASAN_BUILD:-build-asan}
LOGDIR=$(mktemp -d /tmp/mailcert-check.XXXXXX)
passed=0
failed=0

# Add one `meson test` summary to the totals.
tally() {
	ok=$(sed -n 's/^Ok: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	xf=$(sed -n 's/^Expected Fail: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	bad=$(sed -n 's/^Fail: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	up=$(sed -n 's/^Unexpected Pass: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	to=$(sed -n 's/^Timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
	passed=$((passed + ${ok:-0} + ${xf:-0}))
	failed=$((failed + ${bad:-0} + ${up:-0} + ${to:-0}))
	# A run that printed no summary at all failed before any test.
	[ -n "$ok" ] || failed=$((failed + 1))
}

echo "== tests (gcc build in $BUILD)"
meson test -C "$BUILD" --print-errorlogs 2>&1 | tee "$LOGDIR/gcc.log"
tally "$LOGDIR/gcc.log"

echo "== tests under ASan+UBSan (clang build in $ASAN)"
if [ ! -f "$ASAN/build.ninja" ]; then
	CC=clang meson setup "$ASAN" -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dfuzzing=true >"$LOGDIR/asan-setup.log" 2>&1 ||
	    cat "$LOGDIR/asan-setup.log"
fi
if meson compile -C "$ASAN" >"$LOGDIR/asan-build.log" 2>&1; then
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    meson test -C "$ASAN" --print-errorlogs 2>&1 |
	    tee "$LOGDIR/asan.log"
	tally "$LOGDIR/asan.log"
else
	tail -n 40 "$LOGDIR/asan-build.log"
	echo "the sanitizer build failed"
	failed=$((failed + 1))
fi
rm -rf "$LOGDIR"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
