# demo/lib.sh - what demo/run.sh and demo/shop.sh share: checking the
# binaries they were given, and the test server on 127.0.0.1 that serves
# a bundled site for as long as the script runs.
#
# Sourced (POSIX sh, under set -eu) after the script has set $name: the
# prefix of its messages, which is also the make target that builds what
# it needs (demo, demo-shop).
# shellcheck shell=sh disable=SC2154  # $name: set by the sourcing script

# Exits 2 unless every argument is an executable.
need_executables() {
	for bin in "$@"; do
		if [ ! -x "$bin" ]; then
			echo "$name: $bin is not an executable; build it with make $name" >&2
			exit 2
		fi
	done
}

srv=
# Stops the server if it runs; start_server() has it called on exit too.
stop_server() {
	if [ -n "$srv" ]; then
		kill "$srv" 2>/dev/null || true
		wait "$srv" 2>/dev/null || true
		srv=
	fi
}

# start_server TESTSRV DIR PORT-FILE LOG
# Serves DIR with TESTSRV on 127.0.0.1 in the background, its output to
# LOG, and sets $port once the server has written it to PORT-FILE.  Exits
# 1 if the server dies or has not started within 10 s.  The server is
# stopped however the script ends.
start_server() {
	trap stop_server EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	"$1" --dir "$2" --port-file "$3" --max-seconds 600 >"$4" 2>&1 &
	srv=$!

	tries=0
	while [ ! -s "$3" ]; do
		if ! kill -0 "$srv" 2>/dev/null; then
			echo "$name: the test server exited; its log:" >&2
			cat "$4" >&2
			srv=
			exit 1
		fi
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ]; then
			echo "$name: the test server did not start within 10 s" >&2
			exit 1
		fi
		sleep 0.1
	done
	# shellcheck disable=SC2034  # used by the sourcing script
	port=$(cat "$3")
}
