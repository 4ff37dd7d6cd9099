#!/bin/sh
# demo/shop.sh - item extraction, end to end: serve the bundled example shop
# (demo/shop/) on 127.0.0.1, crawl it with the extraction rules of
# demo/shop.json, export the items as JSON Lines and CSV, and show them.
#
#   sh demo/shop.sh ./trawl build/release/trawl-testsrv   (make demo-shop does this)
#
# Writes demo-out/ in the current directory: shop.db, shop-items.jsonl (every
# item), shop-products.csv and shop-listing.csv (one per extractor, since
# each has its own columns), and the server's log.  Repeatable: the
# database is removed before each run.  The server listens on 127.0.0.1
# only, on a port the kernel picks, and is stopped however this script ends.
set -eu

usage="usage: sh demo/shop.sh TRAWL TRAWL-TESTSRV"
TRAWL=${1:?$usage}
TESTSRV=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
out=demo-out
name=demo-shop
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

need_executables "$TRAWL" "$TESTSRV"

# Show paths under the current directory as relative ones.
rel() {
	case "$1" in
	"$PWD"/*) echo "${1#"$PWD"/}" ;;
	*) echo "$1" ;;
	esac
}
config=$(rel "$here/shop.json")
site=$(rel "$here/shop")
db=$out/shop.db
jsonl=$out/shop-items.jsonl
products=$out/shop-products.csv
listing=$out/shop-listing.csv

mkdir -p "$out"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal" "$jsonl" "$products" \
	"$listing" "$out/shop-port"

start_server "$TESTSRV" "$here/shop" "$out/shop-port" "$out/shop-server.log"
seed="http://127.0.0.1:$port/"

echo "demo-shop: serving $site at $seed"
echo "demo-shop: $TRAWL crawl -c $config --db $db $seed"
"$TRAWL" crawl -c "$config" --db "$db" "$seed"
stop_server

echo
echo "demo-shop: $TRAWL status --db $db"
"$TRAWL" status --db "$db"

"$TRAWL" export --db "$db" --what items -o "$jsonl"
"$TRAWL" export --db "$db" --what items --extractor product -f csv -o "$products"
"$TRAWL" export --db "$db" --what items --extractor listing -f csv -o "$listing"

lines() { wc -l <"$1" | tr -d ' '; }
echo
echo "demo-shop: wrote"
printf '  %-26s %3d items of both extractors (--what items)\n' \
	"$jsonl" "$(lines "$jsonl")"
printf '  %-26s %3d rows (--what items --extractor product -f csv)\n' \
	"$products" "$(($(lines "$products") - 1))"
printf '  %-26s %3d rows (--what items --extractor listing -f csv)\n' \
	"$listing" "$(($(lines "$listing") - 1))"

echo
echo "demo-shop: the first lines of $jsonl:"
head -n 3 "$jsonl"
echo
echo "demo-shop: the items that failed validation (--status invalid):"
"$TRAWL" export --db "$db" --what items --status invalid
echo
echo "demo-shop: the first lines of $products:"
head -n 3 "$products" | tr -d '\r'
echo
echo "demo-shop: the first lines of $listing:"
head -n 3 "$listing" | tr -d '\r'
