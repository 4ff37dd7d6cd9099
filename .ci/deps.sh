#!/bin/sh
# Installs the Debian packages of packages.txt whose role is one of the
# arguments after the file name, if any is missing.  Idempotent.
set -eu
list=$1; shift
want=""
for role in "$@"; do
	want="$want $(awk -v r="$role" '!/^#/ && NF >= 2 && $2 == r { print $1 }' "$list")"
done
missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "deps: missing packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
