#!/bin/sh
# Builds trawl's libFuzzer targets (tests/fuzz/fuzz_*.c) and runs each in
# turn, one process at a time.
#
#   sh .ci/fuzz.sh SECONDS [OUTDIR]
#
# SECONDS   how long each target runs (libFuzzer -max_total_time)
# OUTDIR    where binaries, working corpora, logs and crash files go
#           (default build/fuzz)
#
# Each target first replays the inputs that once made it fail
# (tests/fuzz/regressions/NAME/), then fuzzes from a working copy of its
# seed corpus in OUTDIR/corpus/NAME/ (kept between runs, so coverage
# builds up).  Prints per target: executions, exec/s, final cov and ft,
# corpus size, and any crash, leak, timeout or out-of-memory input with
# the command that reproduces it; exits 1 if there was any.
#
# With FUZZ_RUNS=N in the environment, each target instead runs exactly N
# inputs from a fixed seed (-seed=1 -runs=N) in a fresh working corpus:
# nearly the same inputs on any machine with the same clang (libFuzzer's
# corpus reduction still varies a little from run to run), so CI does not
# fail on a finding a local run of the same command could not have seen.
# SECONDS is then ignored.
#
# Installs nothing: it needs clang with libFuzzer (Debian 12: clang and
# libclang-rt-14-dev, role "fuzz" in packages.txt) and the build
# libraries.  Environment: FUZZ_CC (default clang), FUZZ_TARGETS (default
# all: "robots url extract conf ipc css sitemap"), FUZZ_FLAGS (extra libFuzzer flags).
set -eu
export LC_ALL=C

usage() {
	echo "usage: sh .ci/fuzz.sh SECONDS [OUTDIR]" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
secs=$1
case $secs in '' | *[!0-9]*) usage ;; esac
cd "$(dirname "$0")/.."
out=${2:-build/fuzz}
cc=${FUZZ_CC:-clang}
targets=${FUZZ_TARGETS:-robots url extract conf ipc css sitemap}

# ---- toolchain ----
need_clang() {
	echo "fuzz: $1" >&2
	echo "fuzz: libFuzzer needs clang and its runtime; on Debian 12:" >&2
	echo "fuzz:     apt-get install -y clang libclang-rt-14-dev" >&2
	echo "fuzz: (or: make deps-fuzz)" >&2
	exit 1
}
command -v "$cc" >/dev/null 2>&1 || need_clang "$cc not found"
mkdir -p "$out"
probe=$out/.probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" 2>"$probe.err"; then
	sed 's/^/fuzz:   /' "$probe.err" >&2
	need_clang "$cc cannot link -fsanitize=fuzzer,address,undefined"
fi
rm -f "$probe" "$probe.c" "$probe.err"
# The libraries and version the Makefile builds trawl with.
pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
[ -n "$pkgs" ] || pkgs="libcurl libxml-2.0 jansson"
# shellcheck disable=SC2086
pkg-config --exists $pkgs || {
	echo "fuzz: pkg-config cannot find $pkgs; run 'make deps'" >&2
	exit 1
}

# ---- build ----
# shellcheck disable=SC2086
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE -Wall -Wextra
	-Icrawler -Istorage -Iconfig -Itests/fuzz $(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs)"

sources() {
	case $1 in
	robots) echo crawler/robots.c crawler/url.c crawler/log.c ;;
	url) echo crawler/url.c crawler/log.c ;;
	extract) echo crawler/extract.c crawler/url.c crawler/utf8.c crawler/log.c ;;
	conf) echo config/conf.c crawler/scrape.c crawler/css.c crawler/value.c crawler/netguard.c crawler/seeds.c crawler/url.c crawler/utf8.c crawler/log.c ;;
	ipc) echo crawler/ipc.c crawler/proto.c crawler/log.c ;;
	css) echo crawler/css.c crawler/log.c ;;
	sitemap) echo crawler/sitemap.c crawler/url.c crawler/utf8.c crawler/log.c ;;
	*) echo "fuzz: unknown target $1" >&2; exit 2 ;;
	esac
}

for t in $targets; do
	bin=$out/fuzz_$t
	srcs="tests/fuzz/fuzz_$t.c $(sources "$t")"
	# Rebuilt when any source or header is newer than the binary.
	# shellcheck disable=SC2086
	if [ -x "$bin" ] && [ -z "$(find $srcs tests/fuzz/fuzz.h crawler/*.h config/*.h Makefile -newer "$bin" 2>/dev/null)" ]; then
		continue
	fi
	echo "  CC    $bin"
	# shellcheck disable=SC2086
	"$cc" $cflags -DTRAWL_VERSION="\"${version:-0.0.0}\"" -o "$bin" $srcs $libs
done

# ---- run ----
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
summary=$out/summary.txt
printf '%-8s %7s %11s %8s %6s %7s %11s  %s\n' target seconds executions \
	exec/s cov ft corpus crashes >"$summary"

for t in $targets; do
	bin=$out/fuzz_$t
	corpus=$out/corpus/$t
	arts=$out/artifacts/$t
	log=$out/$t.log
	if [ -n "${FUZZ_RUNS:-}" ]; then
		rm -rf "$corpus"
	fi
	mkdir -p "$corpus" "$arts"
	for f in tests/fuzz/corpus/"$t"/*; do
		[ -f "$f" ] || continue
		[ -e "$corpus/$(basename "$f")" ] || cp "$f" "$corpus/"
	done
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	# The config loader prints an error for nearly every input: libFuzzer
	# sends fd 2 to /dev/null and keeps its own output on a copy.
	quiet=
	[ "$t" = conf ] && quiet=-close_fd_mask=2

	# Inputs that once crashed a target must not crash it again.
	regs=$(find "tests/fuzz/regressions/$t" -type f 2>/dev/null | sort)
	if [ -n "$regs" ]; then
		# shellcheck disable=SC2086
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 $quiet $dict $regs >"$out/$t.regress.log" 2>&1; then
			bad=$(sed -n 's/^Running: //p' "$out/$t.regress.log" | tail -n 1)
			echo "fuzz: $t: a regression input fails again: $bad" >&2
			grep -v '^    #[0-9]' "$out/$t.regress.log" | tail -n 25 >&2
			echo "fuzz: $t: reproduce: $bin $quiet $bad" >&2
			failed=1
		fi
	fi

	if [ -n "${FUZZ_RUNS:-}" ]; then
		limit="-seed=1 -runs=$FUZZ_RUNS"
		echo "fuzz: $t: $FUZZ_RUNS inputs, seed 1 (log: $log)"
	else
		limit="-max_total_time=$secs"
		echo "fuzz: $t: ${secs}s (log: $log)"
	fi
	start=$(date +%s)
	rc=0
	# shellcheck disable=SC2086
	"$bin" $limit -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$arts/" $quiet $dict \
		${FUZZ_FLAGS:-} "$corpus" >"$log" 2>&1 || rc=$?
	elapsed=$(($(date +%s) - start))

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	[ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	nfiles=$(find "$corpus" -type f | wc -l)
	kb=$(($(find "$corpus" -type f -exec cat {} + | wc -c) / 1024))
	crashes=$(find "$arts" -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	ncrash=$(echo "$crashes" | grep -c . || true)

	printf '%-8s %7s %11s %8s %6s %7s %11s  %s\n' "$t" "$elapsed" \
		"${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
		"$nfiles/${kb}K" "$ncrash" >>"$summary"
	echo "fuzz: $t: executions ${execs:-?}, exec/s ${rate:-?}, cov ${cov:-?}, ft ${ft:-?}, corpus $nfiles files ${kb} KB"

	if [ "$ncrash" -gt 0 ] || [ "$rc" -ne 0 ]; then
		failed=1
		echo "fuzz: $t: FAILED (libFuzzer exit $rc)" >&2
		grep -E -A25 '^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|ERROR: libFuzzer' "$log" | head -n 60 >&2 || true
		for c in $crashes; do
			echo "fuzz: $t: input: $c (base64: $(base64 -w0 "$c" | head -c 400))" >&2
			echo "fuzz: $t: reproduce: $bin $c" >&2
		done
		[ -n "$crashes" ] || echo "fuzz: $t: see $log" >&2
	fi
done

echo
cat "$summary"
if [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED: see the inputs above; minimize with '$out/fuzz_NAME -minimize_crash=1 -runs=10000 INPUT'" >&2
	exit 1
fi
echo "fuzz: no crash"
