#!/usr/bin/env bash
# Cloud benchmark (issue 19, must-show 5): our barman-cloud-* against Debian's barman-cli-cloud 3.4, on the same
# PostgreSQL 15 lab server and the same S3Proxy (filesystem backend, on this host's disk), in the same run.
#   backup:   barman-cloud-backup -J 2 --immediate-checkpoint of a pgbench database of scale SCALE (scale 100 is
#             about 1.5 GB of PGDATA), plain tar and with --gzip (-z). Barman 3.4's --snappy needs python3-snappy,
#             which is not installed on this host (Debian 12's package is reported to fail under Python 3.11), so
#             snappy is not measured.
#   restore:  barman-cloud-restore of one backup Barman 3.4 took (plain and gzip) into an empty folder, by each tool:
#             both read the same objects. The two restored folders are compared (diff -r) in the first round.
#   WAL:      a burst of SEGMENTS WAL segments (100) through PostgreSQL's archive_command, which runs one
#             barman-cloud-wal-archive per call: time from the first pg_switch_wal() to no segment left .ready
#             and all SEGMENTS in the bucket (ours' --look-ahead, default 64, sends the segments already ready in
#             the same call and marks them .done, so pg_stat_archiver counts calls, not segments). The segments are switched right after a one-row INSERT (mostly zeros
#             after the switch; no compression, so 16 MiB sent each time). Every object is then in the bucket.
# During the backups PostgreSQL's archive_command is 'true' (WAL is not what the backups measure; the restored
# folders are not started).
# ROUNDS rounds; in each, every measurement runs for both tools, ours first in odd rounds, Barman 3.4 first in even
# ones. Prints every run, the medians (min-max), and the ratio ours / Barman 3.4 of the medians (seconds: below 1 is
# ours faster; the issue's target of "at least 2x" is a ratio of 0.5 or less).
# DIST (environment): our barman-cloud dist (default barman-cloud/target/dist; build it with
#   mvn -B -o -q package -DskipTests -pl barman-core,barman-wal-archive,barman-cloud). It is copied to a folder the database user can
#   read and its class-data-sharing archive is rebuilt there (the archive records the jars' paths).
# Ports: PostgreSQL PG_PORT (6798), S3Proxy S3_PORT (9798).
# Usage (root, after 'lab provision'; take the lab lock exclusively):
#   flock -o /tmp/barmanj-lab.lock src/it/bench/cloud/cloud-bench.sh [ROUNDS] [SCALE] [SEGMENTS]
set -euo pipefail
rounds=${1:-3}
scale=${2:-10}
segments=${3:-100}
top=$(cd "$(dirname "$0")/../../../.." && pwd)
lab="$top/src/it/lab/lab"
dist=${DIST:-$top/barman-cloud/target/dist}
pg_port=${PG_PORT:-6798}
s3_port=${S3_PORT:-9798}
[ -x "$dist/bin/barman-cloud-backup" ] || { echo "ERROR: no $dist/bin/barman-cloud-backup: build the dist first" >&2; exit 1; }
command -v barman-cloud-backup >/dev/null || { echo "ERROR: Barman 3.4's barman-cli-cloud is not installed" >&2; exit 1; }

pg=cloud-bench
socket=/var/lib/edb/$pg/run
pgdata=/var/lib/edb/$pg/data
work=$(mktemp -d /var/tmp/cloud-bench.XXXXXX)
chmod 755 "$work"
s3dir=$work/s3
endpoint=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=barmanj-lab AWS_SECRET_ACCESS_KEY=barmanj-lab-secret
export PGPASSWORD=mypwd  # the lab's barman role (ours connects over TCP only)
creds="env AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY"
cleanup() {
    "$lab" pg destroy "$pg" >/dev/null 2>&1 || true
    "$lab" s3 stop "$s3_port" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cp -r "$dist" "$work/dist"
chmod -R a+rX "$work/dist"
"$work/dist/bin/barman-cloud-wal-archive" --build-cds-archive
ours=$work/dist/bin

sql() { runuser -u enterprisedb -- psql -X -q -At -h "$socket" -p "$pg_port" -d postgres "$@"; }

"$lab" s3 stop "$s3_port" >/dev/null 2>&1 || true  # one left running on this port would serve another folder
"$lab" s3 start "$s3_port" "$s3dir"
mkdir -p "$s3dir/bench"  # the bucket, made up front
"$lab" pg destroy "$pg" >/dev/null
"$lab" pg start "$pg" 15 127.0.0.1 "$pg_port" true >/dev/null
sql -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "SELECT pg_reload_conf()" >/dev/null
echo "Generating pgbench scale $scale..."
runuser -u enterprisedb -- pgbench -i -q -s "$scale" -h "$socket" -p "$pg_port" postgres >/dev/null 2>&1
sql -c "VACUUM ANALYZE" -c CHECKPOINT >/dev/null
size=$(du -sb --exclude=pg_wal "$pgdata" | cut -f1)

timed() {  # timed COMMAND...: prints "seconds cpu_seconds" (user+sys of the command and its children)
    local out
    if ! out=$( { /usr/bin/time -f 'TIMED %e %U %S' "$@" 2>&1 >/dev/null; } ); then
        echo "ERROR: $* failed:" >&2; echo "$out" >&2; exit 1
    fi
    echo "$out" | awk '/^TIMED/ {printf "%s %.2f\n", $2, $3 + $4}'
}

backup() {  # backup TOOL PREFIX [FLAGS...]: TOOL is ours or b34
    local tool=$1 prefix=$2 cmd=barman-cloud-backup; shift 2
    [ "$tool" = ours ] && cmd=$ours/barman-cloud-backup
    sync
    timed "$cmd" --endpoint-url "$endpoint" --immediate-checkpoint -J 2 "$@" \
        -h 127.0.0.1 -p "$pg_port" -U barman "s3://bench/$prefix" demo
}

restore() {  # restore TOOL PREFIX ID DEST
    local tool=$1 prefix=$2 id=$3 dest=$4 cmd=barman-cloud-restore
    [ "$tool" = ours ] && cmd=$ours/barman-cloud-restore
    rm -rf "$dest"
    sync
    timed "$cmd" --endpoint-url "$endpoint" "s3://bench/$prefix" demo "$id" "$dest"
}

backup_id() { ls "$s3dir/bench/$1/demo/base"; }

wal_burst() {  # wal_burst TOOL ROUND: prints the seconds for $segments segments
    local tool=$1 round=$2 cmd=barman-cloud-wal-archive
    [ "$tool" = ours ] && cmd=$ours/barman-cloud-wal-archive
    local prefix=wal-$tool-$round
    # The queue empty before the archive_command changes.
    for _ in $(seq 600); do ls "$pgdata/pg_wal/archive_status" | grep -q '\.ready$' || break; sleep 0.2; done
    sql -c "ALTER SYSTEM SET archive_command = '$creds $cmd --endpoint-url $endpoint s3://bench/$prefix demo %p'" \
        -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    local before failed_before
    before=$(sql -c "SELECT archived_count FROM pg_stat_archiver")
    failed_before=$(sql -c "SELECT failed_count FROM pg_stat_archiver")
    local script=$work/switch.sql i
    : > "$script"
    for i in $(seq "$segments"); do
        printf 'INSERT INTO burst VALUES (%d);\nSELECT pg_switch_wal();\n' "$i" >> "$script"
    done
    chmod 644 "$script"
    local start end
    start=$(date +%s.%N)
    sql -f "$script" >/dev/null
    # Done when PostgreSQL has nothing left to archive and every segment is in the bucket (pg_stat_archiver counts
    # archive_command calls; with ours' --look-ahead one call also sends, and marks .done, the segments already
    # ready).
    for _ in $(seq 6000); do
        if ! ls "$pgdata/pg_wal/archive_status" | grep -q '\.ready$' \
            && [ "$(find "$s3dir/bench/$prefix/demo/wals" -type f -regextype egrep -regex '.*/[0-9A-F]{24}' 2>/dev/null \
                    | wc -l)" -ge "$segments" ]; then
            break
        fi
        sleep 0.05
    done
    end=$(date +%s.%N)
    local archived failed stored
    archived=$(( $(sql -c "SELECT archived_count FROM pg_stat_archiver") - before ))
    failed=$(( $(sql -c "SELECT failed_count FROM pg_stat_archiver") - failed_before ))
    stored=$(find "$s3dir/bench/$prefix/demo/wals" -type f -regextype egrep -regex '.*/[0-9A-F]{24}' | wc -l)
    [ "$stored" -ge "$segments" ] \
        || { echo "ERROR: $tool: $stored segments in the bucket, of $segments" >&2; exit 1; }
    echo "  ($tool: $archived archive_command calls for $segments segments)" >&2
    [ "$failed" = 0 ] || echo "  ($tool: $failed failed archive_command calls, retried by PostgreSQL)" >&2
    rm -rf "$s3dir/bench/$prefix" 2>/dev/null || true  # S3Proxy may still be closing the last file
    printf "%.2f\n" "$(echo "$end - $start" | bc)"
}
sql -c "CREATE TABLE burst (i int)" >/dev/null

declare -A times cpus bytes
record() {  # record LABEL "seconds [cpu]"
    set -- "$1" $2
    times[$1]+="$2 "
    [ -n "${3:-}" ] && cpus[$1]+="$3 "
    echo "  $1: $2 s${3:+ (CPU $3 s)}"
}

for round in $(seq "$rounds"); do
    order=(ours b34)
    [ $((round % 2)) = 0 ] && order=(b34 ours)
    echo "Round $round of $rounds (${order[*]} first; load average $(cut -d' ' -f1-3 /proc/loadavg))..."
    for mode in plain gzip; do
        flags=()
        [ "$mode" = gzip ] && flags=(--gzip)
        for tool in "${order[@]}"; do
            r=$(backup "$tool" "$mode-$tool-$round" "${flags[@]}")
            record "backup $mode $tool" "$r"
            bytes["$mode $tool"]=$(du -sb "$s3dir/bench/$mode-$tool-$round" | cut -f1)
        done
        # Both restore the backup Barman 3.4 took.
        id=$(backup_id "$mode-b34-$round")
        for tool in "${order[@]}"; do
            r=$(restore "$tool" "$mode-b34-$round" "$id" "$work/restore-$tool")
            record "restore $mode $tool" "$r"
        done
        if [ "$round" = 1 ]; then
            diff -r "$work/restore-ours" "$work/restore-b34" >/dev/null \
                || { echo "ERROR: the $mode restores by ours and by Barman 3.4 differ" >&2; exit 1; }
            echo "  $mode: the two restored folders are identical"
        fi
        rm -rf "$work/restore-ours" "$work/restore-b34" "$s3dir/bench/$mode-ours-$round" "$s3dir/bench/$mode-b34-$round"
    done
    for tool in "${order[@]}"; do
        r=$(wal_burst "$tool" "$round")
        record "wal $tool" "$r"
    done
done

echo
echo "Cloud benchmark: PostgreSQL 15, pgbench scale $scale ($((size / 1000000)) MB of PGDATA without pg_wal), -J 2,"
echo "S3Proxy (filesystem) on loopback, $rounds rounds, $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seconds: median (min-max); ratio = ours / Barman 3.4 of the medians (target: 0.50 or less)"
python3 - "$rounds" "$segments" <<PY
import statistics, sys
rounds, segments = sys.argv[1:]
times = {$(for k in "${!times[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${times[$k]} | tr ' ' ',')"; done)}
cpus = {$(for k in "${!cpus[@]}"; do printf '"%s": [%s], ' "$k" "$(echo ${cpus[$k]} | tr ' ' ',')"; done)}
def spread(v): return "%.2f (%.2f-%.2f)" % (statistics.median(v), min(v), max(v))
print("%-22s %-24s %-24s %6s   %s" % ("", "ours", "Barman 3.4", "ratio", "CPU s, median: ours / 3.4"))
for name, label in (("backup plain", "backup, plain tar"), ("backup gzip", "backup, --gzip"),
                    ("restore plain", "restore, plain tar"), ("restore gzip", "restore, gzip"),
                    ("wal", "WAL burst, %s segs" % segments)):
    o, t = times[name + " ours"], times[name + " b34"]
    cpu = ""
    if name + " ours" in cpus:
        cpu = "%.2f / %.2f" % (statistics.median(cpus[name + " ours"]), statistics.median(cpus[name + " b34"]))
    print("%-22s %-24s %-24s %6.2f   %s" % (label, spread(o), spread(t), statistics.median(o) / statistics.median(t), cpu))
print("backup size in the bucket, last round, MB: plain ours %.0f, 3.4 %.0f; gzip ours %.0f, 3.4 %.0f"
      " (ours gzips at zlib's default level 6, Barman 3.4's tarfile stream at level 9)"
      % ($((${bytes["plain ours"]} / 1000)) / 1000, $((${bytes["plain b34"]} / 1000)) / 1000,
         $((${bytes["gzip ours"]} / 1000)) / 1000, $((${bytes["gzip b34"]} / 1000)) / 1000))
w = statistics.median(times["wal ours"]), statistics.median(times["wal b34"])
print("WAL segments per second, medians: ours %.2f, Barman 3.4 %.2f" % (int(segments) / w[0], int(segments) / w[1]))
PY
