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
name=demo
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

need_executables "$TRAWL" "$TESTSRV"

mkdir -p "$out"
rm -f "$out/demo.db" "$out/demo.db-wal" "$out/demo.db-shm" \
	"$out/demo.db-journal" "$out/demo.jsonl" "$out/port"

start_server "$TESTSRV" "$here/site" "$out/port" "$out/server.log"
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
