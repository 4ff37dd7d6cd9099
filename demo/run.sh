#!/bin/sh
# demo/run.sh - serve the bundled demo site (demo/site/) on 127.0.0.1, crawl
# it with trawl, export the pages as JSON Lines, and show what came out.
#
#   sh demo/run.sh ./trawl build/release/trawl-testsrv      (make demo does this)
#
# Writes demo-out/ in the current directory: demo.db, demo.jsonl, and the
# server's log.  Repeatable: the database is removed before each run.  The
# server listens on 127.0.0.1 only, on a port the kernel picks, and is
# stopped however this script ends.
set -eu

usage="usage: sh demo/run.sh TRAWL TRAWL-TESTSRV"
TRAWL=${1:?$usage}
TESTSRV=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
out=demo-out

for bin in "$TRAWL" "$TESTSRV"; do
	if [ ! -x "$bin" ]; then
		echo "demo: $bin is not an executable; build it with make demo" >&2
		exit 2
	fi
done

mkdir -p "$out"
rm -f "$out/demo.db" "$out/demo.db-wal" "$out/demo.db-shm" \
	"$out/demo.db-journal" "$out/demo.jsonl" "$out/port"

srv=
stop_server() {
	if [ -n "$srv" ]; then
		kill "$srv" 2>/dev/null || true
		wait "$srv" 2>/dev/null || true
		srv=
	fi
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$TESTSRV" --dir "$here/site" --port-file "$out/port" --max-seconds 600 \
	>"$out/server.log" 2>&1 &
srv=$!

# Wait for the port file, at most 10 s.
tries=0
while [ ! -s "$out/port" ]; do
	if ! kill -0 "$srv" 2>/dev/null; then
		echo "demo: the test server exited; its log:" >&2
		cat "$out/server.log" >&2
		srv=
		exit 1
	fi
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ]; then
		echo "demo: the test server did not start within 10 s" >&2
		exit 1
	fi
	sleep 0.1
done
port=$(cat "$out/port")
seed="http://127.0.0.1:$port/index.html"

echo "demo: serving $here/site at http://127.0.0.1:$port/"
echo "demo: $TRAWL crawl --db $out/demo.db --job demo $seed"
"$TRAWL" crawl --db "$out/demo.db" --job demo "$seed"
"$TRAWL" export --db "$out/demo.db" --job demo -o "$out/demo.jsonl"
stop_server

lines=$(wc -l <"$out/demo.jsonl" | tr -d ' ')
echo
echo "demo: wrote $lines records to $out/demo.jsonl"
echo
"$TRAWL" status --db "$out/demo.db" --job demo
echo
if command -v jq >/dev/null 2>&1; then
	echo "demo: the first record:"
	head -n 1 "$out/demo.jsonl" | jq .
else
	echo "demo: the first record (install jq to pretty-print it):"
	head -n 1 "$out/demo.jsonl"
fi
