#!/usr/bin/env bash
# Builds FAISS's C API (c_api/*.cpp from Debian's own faiss source package)
# into a small static library, because Debian 12's libfaiss.a carries the
# C API headers but none of the faiss_* symbols. Cached: a second run that
# finds the library does nothing.
#
# usage: build-faiss-c.sh PREFIX      -> PREFIX/lib/libfaiss_c.a
set -euo pipefail
prefix=${1:?usage: build-faiss-c.sh PREFIX}
lib="$prefix/lib/libfaiss_c.a"
if [ -f "$lib" ]; then
  echo "faiss C API: cached at $lib"
  exit 0
fi

ver=$(dpkg-query -W -f '${source:Upstream-Version}' libfaiss-dev 2>/dev/null || true)
[ -n "$ver" ] || { echo "error: libfaiss-dev is not installed" >&2; exit 1; }

# Enable deb-src from the mirrors the machine already uses (deb822 format).
src_list=/etc/apt/sources.list.d/trawl-deb-src.sources
if ! apt-get source --print-uris faiss >/dev/null 2>&1; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src_list"
  elif [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/trawl-deb-src.list
  fi
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq --download-only faiss >/dev/null && dpkg-source -x --no-check faiss_*.dsc src >/dev/null)
c_api="$work/src/c_api"
[ -d "$c_api" ] || { echo "error: faiss source has no c_api/" >&2; exit 1; }

mkdir -p "$prefix/lib" "$work/obj"
srcs=$(cd "$c_api" && ls *.cpp impl/AuxIndexStructures_c.cpp utils/distances_c.cpp)
echo "faiss C API: compiling $(echo "$srcs" | wc -w) files from faiss $ver"
for s in $srcs; do
  o="$work/obj/$(echo "$s" | tr / _).o"
  g++ -std=c++17 -O2 -fPIC -I"$c_api" -I"$work/src" -c "$c_api/$s" -o "$o" &
  # two compilers at a time: the machines have two cores
  [ "$(jobs -r | wc -l)" -ge "$(nproc)" ] && wait -n
done
wait
ar rcs "$lib.tmp" "$work"/obj/*.o
mv "$lib.tmp" "$lib"
echo "faiss C API: built $lib"
