#!/bin/sh
# export.sh - speed and peak memory of `trawl export` (make bench-export).
#
# usage: sh bench/export.sh TRAWL GENITEMS
#
# Generates (once, then reused) databases of 100,000 and 1,000,000 items
# with bench/genitems.c: a shop's pages, 5 items a page on average, 7 fields
# of mixed types, 3% invalid.  Then exports them to /dev/null and prints,
# for each run, wall time, rows/s, CPU time and peak RSS (the median of
# EXPORT_RUNS runs, 3 by default).  Memory must not grow with the row count:
# peak RSS at 1,000,000 items ~ at 100,000.
#
# EXPORT_DIR holds the databases (default ${TMPDIR:-/tmp}/trawl-bench-export,
# ~700 MB).  The machine's other load skews wall times: CPU time is the
# steadier figure, and the load average is printed.
set -eu

trawl=$1
gen=$2
runs=${EXPORT_RUNS:-3}
dir=${EXPORT_DIR:-${TMPDIR:-/tmp}/trawl-bench-export}
mkdir -p "$dir"

# The names carry genitems' data version (bump it when genitems.c writes
# other data) and the database schema version, so that a cached database
# from an older trawl is made again rather than refused.
here=$(cd "$(dirname "$0")/.." && pwd)
schema=$(sed -n 's/^#define SCHEMA_VERSION *//p' "$here/storage/store_sqlite.c")
tag=v1-s${schema:-0}
for n in 100000 1000000; do
	db=$dir/items-$tag-$n.db
	if [ ! -s "$db" ]; then
		rm -f "$db" "$db-wal" "$db-shm"
		echo "generating $db ..."
		"$gen" "$db" "$n"
	fi
done

# One run of the command: "wall_s cpu_s maxrss_kb" (getrusage of the child).
measure() {
	python3 - "$@" <<'EOF'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - t
if r.returncode != 0:
    sys.exit("export failed: exit %d" % r.returncode)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f %d" % (wall, u.ru_utime + u.ru_stime, u.ru_maxrss))
EOF
}

# Median of RUNS runs, by wall time.
median() {
	i=0
	while [ $i -lt "$runs" ]; do
		measure "$@"
		i=$((i + 1))
	done | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf 'trawl export: %s; %s CPUs; load average %s; median of %s runs\n' \
	"$("$trawl" --version | head -1)" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$runs"
printf '%-7s %-9s %9s %8s %9s %8s %10s\n' what format rows wall_s rows/s cpu_s peak_rss
row() {
	what=$1 fmt=$2 n=$3 db=$4
	shift 4
	set -- "$trawl" export -d "$db" --what "$what" "$@"
	out=$(median "$@")
	set -- $out
	rows=$n
	awk -v w="$what" -v f="$fmt" -v n="$rows" -v wall="$1" -v cpu="$2" -v rss="$3" \
		'BEGIN { printf "%-7s %-9s %9d %8.2f %9d %8.2f %7.1f MB\n",
			 w, f, n, wall, n / wall, cpu, rss / 1024 }'
}
count() {
	"$trawl" export -d "$1" --what "$2" -f csv -o /dev/stdout 2>/dev/null | tail -n +2 | wc -l
}

small=$dir/items-$tag-100000.db
big=$dir/items-$tag-1000000.db
pages_big=$(count "$big" pages)
row items jsonl 100000 "$small" -o /dev/null
row items jsonl 1000000 "$big" -o /dev/null
row items json 1000000 "$big" -f json -o /dev/null
row items csv 1000000 "$big" -f csv -o /dev/null
row pages jsonl "$pages_big" "$big" -o /dev/null
row pages csv "$pages_big" "$big" -f csv -o /dev/null
row links jsonl "$(count "$big" links)" "$big" -o /dev/null
# gzip: to a real file (and renamed), then removed.
row items jsonl.gz 1000000 "$big" -o "$dir/out.jsonl.gz"
ls -l "$dir/out.jsonl.gz" | awk '{ printf "items jsonl.gz: %.1f MB\n", $5 / 1048576 }'
rm -f "$dir/out.jsonl.gz"
