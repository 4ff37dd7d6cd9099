#!/bin/sh
# bench/frontier.sh - peak memory with a 1,000,000-URL frontier.
#
#   sh bench/frontier.sh [TRAWL] [URLS]        (make bench-frontier)
#
# Serves a small static site with nginx on 127.0.0.1, seeds trawl with URLS
# (default 1,000,000) distinct URLs of it (query strings make them distinct;
# nginx ignores them), lets it fetch a bounded number of pages (--max-pages
# 20000) while every other URL waits in the frontier, and reports the peak
# RSS (VmHWM) of the coordinator and of each worker, polled every 100 ms.
# Everything stays on 127.0.0.1; nginx is stopped however the script ends.
set -eu
TRAWL=${1:-./trawl}
URLS=${2:-1000000}
T=$(mktemp -d /tmp/trawl-frontier.XXXXXX)
NGX=
cleanup() {
	[ -n "$NGX" ] && kill "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$T/site"
i=0
while [ $i -lt 50 ]; do
	printf '<html><head><title>f%d</title></head><body><a href="/%d.html">n</a></body></html>\n' \
		$i $(((i + 1) % 50)) >"$T/site/$i.html"
	i=$((i + 1))
done
PORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 10000) }')
sed -e "s|@TMP@|$T|g" -e "s|@ROOT@|$T/site|g" -e "s|@PORT@|$PORT|g" \
	-e "s|@USER@|$( [ "$(id -u)" -eq 0 ] && echo 'user root;' )|g" \
	"$(dirname "$0")/nginx.conf.in" >"$T/nginx.conf"
nginx -p "$T/" -c "$T/nginx.conf" -e "$T/error.log" -g 'daemon off;' &
NGX=$!
sleep 0.5

awk -v n="$URLS" -v p="$PORT" 'BEGIN { for (i = 0; i < n; i++)
	printf "http://127.0.0.1:%d/%d.html?u=%d\n", p, i % 50, i }' >"$T/seeds.txt"

start=$(date +%s.%N)
"$TRAWL" crawl --db "$T/f.db" --job frontier --quiet --max-pages 20000 \
	--per-host 32 -s "$T/seeds.txt" 2>"$T/crawl.err" &
TP=$!
coord=0
workers=""
while kill -0 $TP 2>/dev/null; do
	h=$(awk '/VmHWM/ { print $2 }' /proc/$TP/status 2>/dev/null || true)
	[ -n "$h" ] && [ "$h" -gt "$coord" ] && coord=$h
	for c in $(cat /proc/$TP/task/$TP/children 2>/dev/null); do
		h=$(awk '/VmHWM/ { print $2 }' /proc/$c/status 2>/dev/null || true)
		[ -n "$h" ] && workers="$workers $c:$h"
	done
	sleep 0.1
done
wait $TP || { echo "frontier: trawl failed:"; cat "$T/crawl.err"; exit 1; }
end=$(date +%s.%N)
wmax=$(echo "$workers" | tr ' ' '\n' | awk -F: 'NF == 2 { if ($2 > m[$1]) m[$1] = $2 }
	END { for (k in m) if (m[k] > x) x = m[k]; print x + 0 }')
queued=$(sqlite3 "$T/f.db" "select count(*) from urls where state = 0")
echo "frontier: $URLS seeded URLs, $queued still queued after 20000 pages, $(awk -v a="$start" -v b="$end" "BEGIN { printf \"%.1f\", b - a }") s"
echo "frontier: peak RSS coordinator $((coord / 1024)) MB, largest worker $((wmax / 1024)) MB"
tail -1 "$T/crawl.err"
