#!/bin/sh
# Installs the Debian packages a make target needs (as root), or prints the
# exact apt-get line and stops. One list per purpose: build, test, demo.
set -eu
purpose=${1:-build}

build="gcc make pkg-config libncurses-dev libcurl4-openssl-dev libcjson-dev libsqlite3-dev libssh2-1-dev libyaml-dev libcmark-gfm-dev libcmark-gfm-extensions-dev"
lab="python3 prometheus prometheus-alertmanager prometheus-node-exporter openssh-server openssh-client openssl curl"
case "$purpose" in
  build) want="$build" ;;
  demo)  want="$build $lab" ;;
  test)  want="$build $lab libcmocka-dev tmux valgrind" ;;
  # the references make bench measures the console against
  bench) want="$build $lab sqlite3 time htop btop procps" ;;
  # make's own check: name what pkg-config cannot find, never install
  check)
    miss="" pkgs=""
    for pair in ncursesw:libncurses-dev libcurl:libcurl4-openssl-dev libcjson:libcjson-dev \
                sqlite3:libsqlite3-dev libssh2:libssh2-1-dev yaml-0.1:libyaml-dev \
                libcmark-gfm:"libcmark-gfm-dev libcmark-gfm-extensions-dev"; do
      mod=${pair%%:*}
      command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$mod" && continue
      miss="$miss $mod" pkgs="$pkgs ${pair#*:}"
    done
    command -v pkg-config >/dev/null 2>&1 || pkgs="pkg-config$pkgs"
    [ -z "$pkgs" ] && exit 0
    echo "warroom: cannot build: pkg-config finds no${miss:- pkg-config}." >&2
    echo "  make deps              (as root: installs them)" >&2
    echo "  apt-get install -y $pkgs" >&2
    exit 1 ;;
  *) echo "deps.sh: unknown purpose '$purpose' (build, test, demo, bench or check)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing="$missing $p"
done
# Any kubectl will do; Debian's is kubernetes-client.
if [ "$purpose" != build ] && ! command -v kubectl >/dev/null 2>&1; then
  missing="$missing kubernetes-client"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "warroom: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
  exit 0
fi
echo "warroom: missing Debian packages for 'make $purpose'. Run as root:" >&2
echo "  apt-get install -y$missing" >&2
exit 1
