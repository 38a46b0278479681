#!/usr/bin/env bash
# Every public header compiles alone, as C11 -pedantic and as C++.
set -euo pipefail
src="$1"; gen="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cxx=$(command -v c++ || command -v g++ || command -v clang++ || true)
n=0
for h in "$src"/include/evs/*.h; do
  name=$(basename "$h")
  printf '#include "evs/%s"\nint evs_header_check_%s;\n' "$name" "${name%.h}" > "$tmp/t.c"
  cc -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$src/include" -I"$gen" "$tmp/t.c" \
    || { echo "header $name does not compile alone as C11" >&2; exit 1; }
  if [ -n "$cxx" ]; then
    cp "$tmp/t.c" "$tmp/t.cpp"
    "$cxx" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$src/include" -I"$gen" "$tmp/t.cpp" \
      || { echo "header $name does not compile as C++" >&2; exit 1; }
  fi
  n=$((n + 1))
done
echo "headers: $n compile alone (C11${cxx:+ and C++})"
