#!/usr/bin/env bash
# Prints the next free versioned-migration number, zero-padded like the existing files (V007).
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/sql/migrations"
last=0
for f in "$dir"/V*__*.sql; do
    [[ -e "$f" ]] || continue
    n="$(basename "$f")"; n="${n#V}"; n="${n%%__*}"
    (( 10#$n > last )) && last=$((10#$n))
done
printf 'V%03d\n' $((last + 1))
