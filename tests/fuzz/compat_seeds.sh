#!/usr/bin/env bash
# Seeds of fuzz_compat_self: every compat fixture tree (tests/compat/*/{previous,current}, their ok/ near
# misses and tests/compat/cases/*) compiled to a descriptor set with imports and source info, plus the
# released catalog snapshot. Trees protoc rejects are skipped (some fixtures need -I of another tree).
# usage: compat_seeds.sh <protoc> <source dir> <out dir>
set -uo pipefail
protoc="$1"; src="$2"; out="$3"
mkdir -p "$out"
n=0
while IFS= read -r dir; do
  name=${dir#"$src/tests/compat/"}; name=${name//\//_}
  files=()
  while IFS= read -r f; do files+=("${f#"$dir"/}"); done < <(find "$dir" -name '*.proto' | sort)
  [ "${#files[@]}" -gt 0 ] || continue
  (cd "$dir" && "$protoc" -I . --include_imports --include_source_info --descriptor_set_out="$out/$name.binpb" \
    "${files[@]}" 2>/dev/null) && n=$((n + 1))
done < <(find "$src/tests/compat" -type d \( -name previous -o -name current \) | sort)
cp "$src/schemas/catalog-released.binpb" "$out/"
echo "wrote $((n + 1)) compat seeds to $out"
