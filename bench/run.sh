#!/bin/sh
# bench/run.sh - trawl's benchmark: crawl a synthetic site served by nginx on
# 127.0.0.1 with trawl (several worker counts) and with wget2, and report
# pages/s, coverage, CPU and peak memory.  See bench/README.md.
#
#   sh bench/run.sh [TRAWL [GENSITE]]       (make bench passes both)
#
# Environment: BENCH_PAGES (20000), BENCH_LINKS (40), BENCH_SEED (1),
# BENCH_RUNS (3), BENCH_WORKERS ("1 2"), BENCH_TIMEOUT (300 s per crawl),
# BENCH_SITE_DIR (bench/site-cache), BENCH_RESULTS (bench/results),
# BENCH_KEEP=1 keeps the temporary directory.
#
# Everything stays on loopback: nginx listens on 127.0.0.1 only, the crawlers
# get a 127.0.0.1 seed and stay on its host, every crawl is killed after
# BENCH_TIMEOUT seconds, and every process started here is stopped on exit.

set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TRAWL=${1:-./trawl}
GENSITE=${2:-}
PAGES=${BENCH_PAGES:-20000}
LINKS=${BENCH_LINKS:-40}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
WORKERS=${BENCH_WORKERS:-1 2}
LIMIT=${BENCH_TIMEOUT:-300}
SITE=${BENCH_SITE_DIR:-$BENCH_DIR/site-cache}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
WGET_THREADS=50

T=
NGINX_PID=
WRAPPER_PID=
POLLER_PID=

say() { printf '%s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

for v in "$PAGES" "$LINKS" "$SEED" "$RUNS" "$LIMIT"; do
	case $v in
	'' | *[!0-9]*) die "BENCH_PAGES, _LINKS, _SEED, _RUNS and _TIMEOUT take numbers, not '$v'" ;;
	esac
done
[ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"
for w in $WORKERS; do
	case $w in
	'' | *[!0-9]* | 0) die "BENCH_WORKERS takes positive numbers, not '$w'" ;;
	esac
done
case $SITE in
/*) ;;
*) SITE=$(pwd)/$SITE ;;
esac
case $SITE in
*[!A-Za-z0-9/._-]*) die "BENCH_SITE_DIR may hold only letters, digits and / . _ -" ;;
esac

# ---- cleanup: stop what we started, by pid -------------------------------

# The crawler runs as sh (WRAPPER_PID) -> timeout -> crawler -> workers.
# timeout passes a TERM on to the crawler, whose workers follow it.
stop_crawl() {
	if [ -n "$WRAPPER_PID" ]; then
		kids_of "$WRAPPER_PID"
		for k in $kids; do kill -TERM "$k" 2>/dev/null; done
		wait "$WRAPPER_PID" 2>/dev/null
		WRAPPER_PID=
	fi
	if [ -n "$POLLER_PID" ]; then
		kill "$POLLER_PID" 2>/dev/null
		wait "$POLLER_PID" 2>/dev/null
		POLLER_PID=
	fi
}

stop_nginx() {
	[ -n "$NGINX_PID" ] || return 0
	kill -TERM "$NGINX_PID" 2>/dev/null
	i=0
	while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}

cleanup() {
	trap - EXIT INT TERM HUP
	stop_crawl
	stop_nginx
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			warn "kept $T"
		else
			rm -rf "$T"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- /proc helpers (builtins only, so polling costs next to nothing) ------

# Sets kids to the child pids of $1 ("" when it has none or is gone).
kids_of() {
	kids=
	read -r kids 2>/dev/null <"/proc/$1/task/$1/children" || :
}

# Sets hwm to the peak resident set (VmHWM, kB) of $1, or 0.
hwm_of() {
	hwm=0
	while read -r key val unit; do
		if [ "$key" = VmHWM: ]; then
			hwm=$val
			break
		fi
	done 2>/dev/null <"/proc/$1/status" || :
}

# Watches the tree under wrapper $1 every 100 ms until it is gone, and writes
# "COORD_KB WORKER_MAX_KB NWORKERS" to $2.  The coordinator is the process
# timeout runs; its children are the workers.  VmHWM is the peak, so the last
# reading before a process exits is its peak to within one interval.
rss_poll() {
	w=$1 out=$2 c_kb=0 w_kb=0 seen=' ' n=0 i=0
	max=$(((LIMIT + 30) * 10))
	while [ -d "/proc/$w" ] && [ $i -lt $max ]; do
		i=$((i + 1))
		kids_of "$w"
		to=${kids%% *}
		if [ -n "$to" ]; then
			kids_of "$to"
			for c in $kids; do
				hwm_of "$c"
				[ "$hwm" -gt "$c_kb" ] && c_kb=$hwm
				kids_of "$c"
				for k in $kids; do
					hwm_of "$k"
					[ "$hwm" -gt "$w_kb" ] && w_kb=$hwm
					case $seen in
					*" $k "*) ;;
					*) seen="$seen$k " n=$((n + 1)) ;;
					esac
				done
			done
		fi
		sleep 0.1
	done
	printf '%s %s %s\n' "$c_kb" "$w_kb" "$n" >"$out"
}

# ---- ports -----------------------------------------------------------------

tcp_tables() {
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] && printf '%s\n' "$f"
	done
}

# True if any TCP socket has local port $1.
port_used() {
	awk -v h=":$(printf '%04X' "$1")" \
		'FNR > 1 && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		$(tcp_tables)
}

# True if something listens on 127.0.0.1:$1.
port_listening() {
	awk -v a="0100007F:$(printf '%04X' "$1")" \
		'FNR > 1 && $2 == a && $4 == "0A" { f = 1 } END { exit !f }' \
		$(tcp_tables)
}

# A free port in 20000-31999, below the kernel's ephemeral range (usually
# 32768-60999) so that the crawlers' own client ports never collide with it.
pick_port() {
	i=0
	while [ $i -lt 100 ]; do
		i=$((i + 1))
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		p=$((20000 + r % 12000))
		port_used "$p" || { PORT=$p; return 0; }
	done
	die "no free port found in 20000-31999"
}

# ---- the site --------------------------------------------------------------

gensite_bin() {
	if [ -n "$GENSITE" ] && [ -x "$GENSITE" ]; then
		return 0
	fi
	# Run by hand without make: build it the way the Makefile does.
	GENSITE=$T/gensite
	say "building $GENSITE"
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wstrict-prototypes \
		-Wmissing-prototypes -Wshadow -Wpointer-arith -Wwrite-strings \
		-Wvla -fno-common -O2 -o "$GENSITE" "$BENCH_DIR/gensite.c" ||
		die "cannot build gensite"
}

# The stamp names everything the site depends on except the port.
site_stamp() {
	printf 'pages=%s links=%s seed=%s gensite=%s\n' "$PAGES" "$LINKS" "$SEED" \
		"$(cksum <"$BENCH_DIR/gensite.c" | tr ' ' '-')"
}

# Reuses the cached site if it was generated from the same parameters and
# its port is still free; otherwise (re)generates it for a new port.
prepare_site() {
	want=$(site_stamp)
	if [ -f "$SITE/.stamp" ] && [ "$(sed -n 1p "$SITE/.stamp")" = "$want" ]; then
		PORT=$(sed -n 2p "$SITE/.stamp")
		if [ -n "$PORT" ] && ! port_used "$PORT"; then
			say "site: reusing $SITE (port $PORT)"
			return 0
		fi
	fi
	[ -n "${PORT:-}" ] && port_used "$PORT" && PORT=
	[ -n "${PORT:-}" ] || pick_port
	generate_site
}

generate_site() {
	gensite_bin
	if [ -e "$SITE" ]; then
		# Only ever delete a directory this script made.
		[ -f "$SITE/.stamp" ] || [ -f "$SITE/.partial" ] ||
			die "$SITE exists and is not a generated site; remove it or set BENCH_SITE_DIR"
		rm -rf "$SITE"
	fi
	mkdir -p "$SITE" && : >"$SITE/.partial" || die "cannot create $SITE"
	say "site: generating $PAGES pages, $LINKS links each, port $PORT, into $SITE"
	timeout 600 "$GENSITE" -p "$PORT" "$SITE" "$PAGES" "$LINKS" "$SEED" >/dev/null ||
		die "gensite failed"
	{ site_stamp; printf '%s\n' "$PORT"; } >"$SITE/.stamp"
	rm -f "$SITE/.partial"
}

# ---- nginx -----------------------------------------------------------------

start_nginx() {
	userline=
	[ "$(id -u)" = 0 ] && userline="user $(id -un);"
	sed -e "s|@TMP@|$T|g" -e "s|@ROOT@|$SITE|g" -e "s|@PORT@|$PORT|g" \
		-e "s|@USER@|$userline|g" "$BENCH_DIR/nginx.conf.in" >"$T/nginx.conf"
	: >"$T/error.log"
	nginx -p "$T/" -c "$T/nginx.conf" -e "$T/error.log" -g 'daemon off;' \
		</dev/null >>"$T/nginx.out" 2>&1 &
	NGINX_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		i=$((i + 1))
		if ! kill -0 "$NGINX_PID" 2>/dev/null; then
			wait "$NGINX_PID" 2>/dev/null
			NGINX_PID=
			return 1
		fi
		port_listening "$PORT" && return 0
		sleep 0.1
	done
	stop_nginx
	return 1
}

# One request, to see that nginx serves the site.
probe() {
	url=http://127.0.0.1:$PORT/index.html
	if command -v curl >/dev/null 2>&1; then
		timeout 10 curl -fsS -o /dev/null "$url"
	elif command -v wget2 >/dev/null 2>&1; then
		timeout 10 wget2 --no-config -q --tries=1 -O /dev/null "$url"
	else
		return 0
	fi
}

# ---- the crawlers ------------------------------------------------------------

NCONF=0
add_config() { # NAME LABEL KIND WORKERS
	eval "cfg_name_$NCONF=\$1 cfg_label_$NCONF=\$2 cfg_kind_$NCONF=\$3"
	eval "cfg_workers_$NCONF=\$4 cfg_dead_$NCONF=0"
	NCONF=$((NCONF + 1))
}

# Runs config $1, run $2, and appends one line to $T/runs:
#   name run status wall_s pages missed requests cpu_s rss_coord_kB
#   rss_worker_max_kB nworkers db_pages
run_config() {
	idx=$1 run=$2
	eval "name=\$cfg_name_$idx label=\$cfg_label_$idx"
	eval "kind=\$cfg_kind_$idx nw=\$cfg_workers_$idx"
	rm -rf "$T/bench.db" "$T/bench.db-wal" "$T/bench.db-shm" "$T/wget" "$T/home"
	mkdir -p "$T/wget" "$T/home"
	rm -f "$T/times" "$T/rss"
	: >"$T/access.log"
	set --
	case $kind in
	trawl)
		set -- "$TRAWL" crawl --db "$T/bench.db" --quiet --per-host 50 --concurrency 64
		[ "$nw" = default ] || set -- "$@" --workers "$nw"
		set -- "$@" "$URL"
		;;
	wget2)
		# No --span-hosts: wget2 stays on 127.0.0.1.  --delete-after
		# still parses every page; HOME points into $T so that nothing
		# (HSTS, HPKP, cookies) is written elsewhere.
		set -- env HOME="$T/home" wget2 --no-config --recursive --level=inf \
			--max-threads=$WGET_THREADS --delete-after \
			--directory-prefix="$T/wget" --quiet --no-hsts --no-hpkp "$URL"
		;;
	esac
	t0=$(date +%s.%N)
	TIMES_FILE=$T/times sh -c \
		'timeout -k 5 "$0" "$@"; rc=$?; times >"$TIMES_FILE"; exit $rc' \
		"$LIMIT" "$@" </dev/null >"$T/out.log" 2>&1 &
	WRAPPER_PID=$!
	rss_poll "$WRAPPER_PID" "$T/rss" &
	POLLER_PID=$!
	wait "$WRAPPER_PID"
	rc=$?
	t1=$(date +%s.%N)
	WRAPPER_PID=
	wait "$POLLER_PID"
	POLLER_PID=

	status=ok
	case $kind:$rc in
	*:0 | wget2:8) ;; # wget2 says 8 when some response was an error (404)
	*:124 | *:137) status=timeout ;;
	*) status=fail$rc ;;
	esac
	cpu=$(sed -n 2p "$T/times" 2>/dev/null | awk '{
		s = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2]
		}
		printf "%.2f", s }')
	[ -n "$cpu" ] || cpu=0
	read -r rss_c rss_w nproc <"$T/rss" || { rss_c=0 rss_w=0 nproc=0; }
	set -- $(awk 'NR == FNR { want[$0] = 1; n++; next }
		{ reqs++ }
		$1 == 200 && ($2 in want) && !($2 in got) { got[$2] = 1; pages++ }
		END { print pages + 0, n - pages, reqs + 0 }' \
		"$SITE/expected-urls.txt" "$T/access.log")
	pages=$1 missed=$2 reqs=$3
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	# trawl's own count, as a cross-check of the access log ("-" if the
	# database cannot be read this way).
	dbpages=-
	if [ "$kind" = trawl ] && command -v sqlite3 >/dev/null 2>&1; then
		dbpages=$(timeout 30 sqlite3 "$T/bench.db" \
			'select count(*) from pages where status = 200' 2>/dev/null) ||
			dbpages=-
		[ -n "$dbpages" ] || dbpages=-
	fi
	printf '%s %s %s %s %s %s %s %s %s %s %s %s\n' "$name" "$run" "$status" \
		"$wall" "$pages" "$missed" "$reqs" "$cpu" "$rss_c" "$rss_w" "$nproc" \
		"$dbpages" >>"$T/runs"
	printf '  run %s  %-18s %-8s %7ss %6s pages %5s missed %7s pages/s  cpu %ss%s\n' \
		"$run" "$label" "$status" "$wall" "$pages" "$missed" \
		"$(awk -v p="$pages" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? p / w : 0) }')" \
		"$cpu" "$([ "$dbpages" = - ] || printf '  (db: %s pages)' "$dbpages")"

	if [ "$kind" = wget2 ]; then
		left=$(find "$T/wget" -type f | wc -l)
		[ "$left" -eq 0 ] || warn "wget2 left $left files in $T/wget (removed)"
		rm -rf "$T/wget"
	fi
	if [ "$status" != ok ]; then
		warn "$label failed ($status); its last output:"
		tail -n 5 "$T/out.log" | sed 's/^/    /' >&2
		if [ "$kind" = trawl ]; then
			warn "$label will not be run again"
			eval "cfg_dead_$idx=1"
		fi
	fi
}

# ---- report ----------------------------------------------------------------

# median(" 3 1 2") is 2; an even count gives the mean of the middle two.
AWK_MEDIAN='
function median(list,    v, n, i, j, t) {
	n = split(list, v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}'

# Prints the table of medians over the successful runs in $T/runs.
report_table() {
	awk -v order="$1" "$AWK_MEDIAN"'
	{
		tried[$1]++
		if ($3 != "ok") { failed[$1] = $3; next }
		ok[$1]++
		pages[$1] = pages[$1] " " $5; missed[$1] = missed[$1] " " $6
		wall[$1] = wall[$1] " " $4; cpu[$1] = cpu[$1] " " $8
		rate[$1] = rate[$1] " " ($4 > 0 ? $5 / $4 : 0)
		rc[$1] = rc[$1] " " $9 / 1024; rw[$1] = rw[$1] " " $10 / 1024
	}
	END {
		if ("wget2" in ok)
			ref = median(rate["wget2"])
		printf "%-18s %6s %6s %7s %8s %6s %12s %17s %14s %5s\n", "config",
			"pages", "missed", "wall_s", "pages/s", "cpu_s",
			"rss_coord_MB", "rss_worker_max_MB", "ratio_vs_wget2", "runs"
		n = split(order, names, ",")
		for (i = 1; i <= n; i++) {
			c = names[i]
			d = (c ~ /^trawl-w[0-9]+$/) ? ("trawl --workers " substr(c, 8)) : c
			if (!(c in tried))
				continue
			if (!(c in ok)) {
				printf "%-18s FAILED (%s)\n", d, failed[c]
				continue
			}
			r = median(rate[c])
			w = median(rw[c])
			printf "%-18s %6d %6d %7.2f %8.0f %6.2f %12.1f %17s %14s %5s\n",
				d, median(pages[c]), median(missed[c]),
				median(wall[c]), r, median(cpu[c]), median(rc[c]),
				(w > 0 ? sprintf("%.1f", w) : "-"),
				(ref > 0 ? sprintf("%.2f", r / ref) : "-"),
				ok[c] "/" tried[c]
		}
	}' "$T/runs"
}

# The chart: trawl's pages/s against its worker count, wget2 as a line.
report_chart() {
	command -v gnuplot >/dev/null 2>&1 || {
		warn "gnuplot not found; no chart"
		return 0
	}
	# Median pages/s per worker count, and wget2's.
	awk "$AWK_MEDIAN"'
	$3 == "ok" && $4 > 0 {
		if ($1 == "wget2") wg = wg " " $5 / $4
		else if ($1 ~ /^trawl-w[0-9]+$/) {
			k = substr($1, 8) + 0; tr[k] = tr[k] " " $5 / $4
		}
	}
	END {
		for (k in tr) printf "T %d %.1f\n", k, median(tr[k])
		if (wg != "") printf "W 0 %.1f\n", median(wg)
	}' "$T/runs" | sort -k1,1 -k2,2n >"$T/chart.dat"
	grep -q . "$T/chart.dat" || return 0
	wref=$(awk '$1 == "W" { print $3 }' "$T/chart.dat")
	awk '$1 == "T" { print $2, $3 }' "$T/chart.dat" >"$T/trawl.dat"
	xmax=$(awk 'BEGIN { m = 2 } $1 > m { m = $1 } END { print m + 0.5 }' "$T/trawl.dat")
	plot=
	[ -s "$T/trawl.dat" ] &&
		plot="'$T/trawl.dat' using 1:2 with linespoints lw 2 pt 7 ps 1.2 title 'trawl'"
	if [ -n "$wref" ]; then
		[ -n "$plot" ] && plot="$plot, "
		plot="$plot$wref with lines dt 2 lw 2 title 'wget2, $WGET_THREADS threads'"
	fi
	gnuplot <<EOF || warn "gnuplot failed; no chart"
set terminal svg size 720,440 dynamic font "sans,12"
set output '$RESULTS/pages-per-s.svg'
set title "Pages per second, $PAGES-page site on 127.0.0.1 (median of $RUNS runs)"
set xlabel "trawl worker processes"
set ylabel "pages/s"
set xrange [0.5:$xmax]
set xtics 1
set yrange [0:*]
set grid ytics
set key bottom right
plot $plot
EOF
}

# ---- main ------------------------------------------------------------------

command -v nginx >/dev/null 2>&1 || die "nginx not found (make deps-bench installs nginx-light)"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) not found"
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench.XXXXXX") || die "mktemp failed"

# Which crawlers can run.
TRAWL_OK=0
if [ ! -x "$TRAWL" ]; then
	warn "$TRAWL not found or not executable (did 'make trawl' fail?); skipping trawl"
elif ! timeout 10 "$TRAWL" --version >"$T/trawl-version" 2>&1; then
	warn "$TRAWL --version failed; skipping trawl:"
	sed 's/^/    /' "$T/trawl-version" >&2
else
	TRAWL_OK=1
fi
if command -v wget2 >/dev/null 2>&1; then
	WGET_OK=1
else
	WGET_OK=0
	warn "wget2 not found (make deps-bench installs it); skipping wget2"
fi
[ $TRAWL_OK = 1 ] || [ $WGET_OK = 1 ] || die "nothing to benchmark"

ORDER=
[ $WGET_OK = 1 ] && add_config wget2 wget2 wget2 - && ORDER=wget2
if [ $TRAWL_OK = 1 ]; then
	add_config trawl trawl trawl default
	ORDER="$ORDER${ORDER:+,}trawl"
	for w in $WORKERS; do
		add_config "trawl-w$w" "trawl --workers $w" trawl "$w"
		ORDER="$ORDER,trawl-w$w"
	done
fi

PORT=
tries=0
while :; do
	tries=$((tries + 1))
	prepare_site
	start_nginx && break
	warn "nginx did not start on port $PORT:"
	sed 's/^/    /' "$T/error.log" "$T/nginx.out" >&2 2>/dev/null
	[ $tries -lt 3 ] || die "giving up on nginx"
	PORT=
	pick_port
done
URL=http://127.0.0.1:$PORT/index.html
probe || die "nginx does not serve $URL; see $T/error.log"
EXPECTED=$(wc -l <"$SITE/expected-urls.txt")
[ "$EXPECTED" -eq "$PAGES" ] ||
	die "$SITE/expected-urls.txt has $EXPECTED URLs, not $PAGES"

STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
OUT=$RESULTS/bench-$STAMP.txt
{
	say "trawl benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
	say "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(awk '/^MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	say "server:   $(nginx -v 2>&1 | sed 's/^nginx version: //'), 1 worker process, 127.0.0.1:$PORT"
	[ $WGET_OK = 1 ] && say "peer:     $(wget2 --version 2>/dev/null | sed -n '1s/^GNU Wget2 \([^ ]*\).*/wget2 \1/p'), --max-threads=$WGET_THREADS"
	[ $TRAWL_OK = 1 ] && say "trawl:    $(head -n 1 "$T/trawl-version")$(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null | sed 's/^/, commit /')$(git -C "$BENCH_DIR" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
	say "site:     $PAGES pages, ~20 KB each, $LINKS in-scope links per page, seed $SEED, $(grep -c '^/q/' "$SITE/expected-urls.txt") reachable only through &amp; links"
	say "runs:     $RUNS per config, medians below; each crawl limited to ${LIMIT}s"
	say ""
} >"$T/head.txt"
cat "$T/head.txt"

: >"$T/runs"
run=1
while [ $run -le "$RUNS" ]; do
	# Rotate the order each run so no config always goes first.
	i=0
	while [ $i -lt $NCONF ]; do
		idx=$(((i + run - 1) % NCONF))
		eval "dead=\$cfg_dead_$idx"
		[ "$dead" = 1 ] || run_config "$idx" "$run"
		i=$((i + 1))
	done
	run=$((run + 1))
done

{
	cat "$T/head.txt"
	report_table "$ORDER"
	say ""
	say "pages: distinct expected URLs answered 200 (from nginx's access log);"
	say "missed: $PAGES - pages; wall_s, pages/s (pages / wall), cpu_s (user+sys of"
	say "the crawler and its children), peak RSS (VmHWM) are medians of the ok runs."
	say ""
	say "per run: config run status wall_s pages missed requests cpu_s rss_coord_kB rss_worker_max_kB workers_seen db_pages"
	cat "$T/runs"
} >"$OUT"
say ""
sed -n "$(($(wc -l <"$T/head.txt") + 1)),\$p" "$OUT" | sed '/^$/,$d'
cp "$OUT" "$RESULTS/latest.txt"
rm -f "$RESULTS/pages-per-s.svg"
report_chart
say ""
say "results: $OUT (also $RESULTS/latest.txt)"
[ -f "$RESULTS/pages-per-s.svg" ] && say "chart:   $RESULTS/pages-per-s.svg"
exit 0
