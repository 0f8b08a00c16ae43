#!/usr/bin/env bash
# Runs the ingest benchmark (ingest/bench_test.go) on the benchmark card as
# a card reader delivers it: the card is copied into a file-backed ext4
# volume on a loop device whose reads the blkio cgroup throttles to RATE
# bytes per second (default 90 MiB/s, a UHS-I reader), and the page cache
# is dropped before each side reads it. Needs root, loop devices and the
# cgroup v1 blkio controller, as on this project's machines.
#
#   sudo scripts/bench-card-speed.sh [RATE]
set -euo pipefail
rate=${1:-94371840}
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mediabank-cardspeed-XXXXXX)
cg=/sys/fs/cgroup/blkio/mediabank-cardspeed
loop=""
cleanup() {
  set +e
  mountpoint -q "$work/card" && umount "$work/card"
  [ -n "$loop" ] && losetup -d "$loop"
  rmdir "$cg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The card, made once by the benchmark's own code (page-cache run, skipped
# output), and the test binary.
go test -run '^$' -bench 'Card/disk' -benchtime 1x ./ingest/ >/dev/null
card=${TMPDIR:-/tmp}/mediabank-benchcard-v1
go test -c -o "$work/ingest.test" ./ingest/

truncate -s 1G "$work/card.img"
mkfs.ext4 -q -F "$work/card.img"
loop=$(losetup -f --show "$work/card.img")
mkdir "$work/card"
mount "$loop" "$work/card"
cp -r "$card/DCIM" "$card/PRIVATE" "$work/card/"
sync

mkdir -p "$cg"
dev=$(printf '%d:%d' "0x$(stat -c %t "$loop")" "0x$(stat -c %T "$loop")")
echo "$dev $rate" > "$cg/blkio.throttle.read_bps_device"
echo "card at $((rate / 1048576)) MiB/s from $loop ($dev)"

# The benchmark runs in the throttled cgroup (and so does the MinIO server
# it starts, which reads nothing from the card).
(
  echo "$BASHPID" > "$cg/tasks"
  cd ingest
  MEDIABANK_BENCH_CARD="$work/card" MEDIABANK_BENCH_COLD=1 \
    "$work/ingest.test" -test.run '^$' -test.bench Card -test.benchtime 1x
)
