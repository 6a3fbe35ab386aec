#!/usr/bin/env bash
# The main job: the tutorial's set-up on this machine, as root. Builds and installs barman, starts the lab
# (sshd on loopback, PostgreSQL 15 as 'enterprisedb' on pg1-srv:5444), configures the tutorial's 'demo'
# server in /etc/barman.d with WAL archiving through barman-wal-archive, and runs the tutorial's commands that
# work so far, up to its first backup.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then
    echo "ERROR: run as root: the lab creates OS users, edits /etc/hosts and starts sshd" >&2
    exit 1
fi
lab=src/it/lab/lab
$lab provision
log=$(mktemp)
mvn -B -q package -DskipTests > "$log" 2>&1 || { cat "$log"; echo "ERROR: the build failed" >&2; exit 1; }
rm -f "$log"
./install.sh
$lab sshd start
$lab pg start pg1 15 pg1-srv 5444 "barman-wal-archive backup-srv demo %p"
cat > /etc/barman.d/demo.conf <<'CONF'
[demo]
description =  "Example of Advanced Server (via Ssh)"
ssh_command = ssh enterprisedb@pg1-srv
conninfo = host=pg1-srv user=barman dbname=postgres port=5444
backup_method = rsync
backup_options = concurrent_backup
reuse_backup = link
archiver = on
CONF
echo "/etc/barman.d/demo.conf:"
sed 's/^/    /' /etc/barman.d/demo.conf
run() {  # run USER COMMAND...: shows and runs a tutorial command
    local user=$1; shift
    echo
    echo "\$ sudo -iu $user $*"
    runuser -u "$user" -- "$@"
}
run barman barman -v
run enterprisedb barman-wal-archive --version
run enterprisedb barman-wal-archive backup-srv demo DUMMY --test
run barman barman list-servers
run barman barman show-servers demo
run barman barman check demo || true
run barman barman switch-wal --force --archive demo
run barman barman check demo
run barman barman backup demo --wait
run barman barman list-backup demo
run barman barman show-backup demo latest
run barman barman status demo
echo
echo "The lab keeps running; stop it with: $lab down"
