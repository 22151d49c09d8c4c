#!/bin/sh
# make demo: the lab in tests/lab/run/demo with a bad deploy on it (green
# 1.5.0 live and failing 8 % of requests, blue 1.4.2 standing by), and the
# console pointed at it. The lab goes down when the console exits, and on
# Ctrl-C, SIGTERM or SIGHUP.
set -u
cd "$(dirname "$0")/.." || exit 1
LAB_DIR=$(pwd)/tests/lab/run/demo
export LAB_DIR
lab=tests/lab/lab
console=
downed=

down() {
	[ -n "$downed" ] && return
	downed=1
	trap '' INT TERM HUP
	if [ -n "$console" ] && kill -0 "$console" 2>/dev/null; then
		kill -TERM "$console" 2>/dev/null
		wait "$console" 2>/dev/null
	fi
	"$lab" down >/dev/null 2>&1
}
trap 'down' EXIT
trap 'down; exit 130' INT
trap 'down; exit 143' TERM
trap 'down; exit 129' HUP

if [ ! -x ./warroom ]; then
	echo "demo: ./warroom is missing: run make first" >&2
	exit 1
fi
"$lab" down >/dev/null 2>&1     # what a demo killed with -9 left behind
"$lab" up || exit 1
"$lab" scenario bad-deploy >/dev/null || exit 1
echo "demo: bad-deploy applied; the console opens on $LAB_DIR/warroom.yaml"

# The console runs as a child the shell waits for, so a signal to this script
# is handled at once (a foreground child would delay the trap until it
# exits). Non-interactive shells give background children /dev/null as
# stdin: hand over the terminal through fd 3.
exec 3<&0
./warroom --config "$LAB_DIR/warroom.yaml" <&3 3<&- &
console=$!
wait "$console"
rc=$?
console=
exit "$rc"
