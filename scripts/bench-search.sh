#!/usr/bin/env bash
# Search at the size of a bank: write N synthetic asset records and their
# coverages' collection records in the bank's layout
# (DATA/bank/assets/<id>.json and DATA/bank/collections/<id>.json, the
# local store), rebuild the index with `mediabank reindex`, start the
# server, and time every kind of query through the API (facets=1, size=100,
# newest first unless the kind says otherwise, with a token) and through
# the /cari page (logged in).
#
#   scripts/bench-search.sh N [RUNS]
#
# Prints the reindex rate, the index size, p50/p95 per query type for the
# API and the page, and the server's RSS. The records stay in
# $BENCH_DATA (default /tmp/mediabank-bench-N) and are written only once;
# the index is rebuilt on every run unless BENCH_REINDEX=0 (then the index
# there is used as it is). BENCH_PORT picks the port (18080).
set -euo pipefail

n=${1:?usage: scripts/bench-search.sh N [RUNS]}
runs=${2:-20}
data=${BENCH_DATA:-/tmp/mediabank-bench-$n}
port=${BENCH_PORT:-18080}
cd "$(dirname "$0")/.."

bin=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$bin"
}
trap cleanup EXIT
go build -o "$bin/mediabank" ./cmd/mediabank
go build -o "$bin/searchbench" ./search/searchbench
export MEDIABANK_DATA=$data
mb() { "$bin/mediabank" "$@"; }

have=$( (find "$data/bank/assets" -name '*.json' 2>/dev/null || true) | wc -l)
cols=$( (find "$data/bank/collections" -name '*.json' 2>/dev/null || true) | wc -l)
if [ "$have" -ne "$n" ] || [ "$cols" -eq 0 ]; then
	rm -rf "$data"
	"$bin/searchbench" gen -data "$data" -n "$n"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${BENCH_REINDEX:-1}" != 0 ]; then
	start=$(date +%s.%N)
	mb reindex
	end=$(date +%s.%N)
	awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "reindex: %d assets in %.1f s, %.0f assets/s\n", n, e-s, n/(e-s) }'
fi
echo "index size: $(du -sh "$data/index" | cut -f1)"

user=bench
pass=bench-search-password
mb user add "$user" --role viewer <<<"$pass" >/dev/null 2>&1 || true
token=$(mb token create "$user" --label bench 2>/dev/null)

MEDIABANK_MOUNT_ROOTS=none "$bin/mediabank" serve --addr "127.0.0.1:$port" &
server=$!
for _ in $(seq 600); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$server" || { echo "server died" >&2; exit 1; }
	sleep 0.1
done
"$bin/searchbench" load -url "http://127.0.0.1:$port" -token "$token" -user "$user" -password "$pass" -runs "$runs" -pid "$server"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
