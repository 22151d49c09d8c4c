#!/bin/sh
# make docs: the README's and the man page's key tables, printed by the
# console itself (`warroom keys --markdown`, `--man`: the help screen's list)
# between their marker lines. Defaults only: no user config is read.
set -eu
cd "$(dirname "$0")/.." || exit 1
bin=${WARROOM:-./warroom}

# between FILE BEGIN END: FILE with the lines between the marker lines
# BEGIN and END replaced by stdin.
between() {
	new=$(mktemp)
	cat > "$new.body"
	if ! grep -qF -- "$2" "$1" || ! grep -qF -- "$3" "$1"; then
		echo "docs: $1 lacks the marker lines \"$2\" and \"$3\"" >&2
		rm -f "$new" "$new.body"
		exit 1
	fi
	# the markers go through the environment: awk -v would read their backslashes as escapes
	B=$2 E=$3 BODY=$new.body awk '
		index($0, ENVIRON["B"]) == 1 { print; while ((getline l < ENVIRON["BODY"]) > 0) print l; skip = 1; next }
		index($0, ENVIRON["E"]) == 1 { skip = 0 }
		!skip { print }' "$1" > "$new"
	rm -f "$new.body"
	if cmp -s "$new" "$1"; then
		rm -f "$new"
	else
		cat "$new" > "$1"
		rm -f "$new"
		echo "docs: $1: key table rewritten"
	fi
}

keys() {
	env -u XDG_CONFIG_HOME HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent "$bin" keys "$@"
}

keys --markdown | between README.md "<!-- keys: generated" "<!-- end of the generated keys -->"
keys --man | between assets/warroom.1 '.\" keys: generated' '.\" end of the generated keys'
