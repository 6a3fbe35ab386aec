#!/usr/bin/env bash
# The main job: the tutorial's set-up on this machine, as root. Builds barman's Debian packages and installs them
# (barmanj, barmanj-cli), starts the lab (sshd on loopback, PostgreSQL 15 as 'enterprisedb' on pg1-srv:5444), configures the tutorial's 'demo'
# server in /etc/barman.d with WAL archiving through barman-wal-archive, and runs the tutorial's commands that
# work so far: the first backup, then the two standbys restored from it, streaming from the primary.
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
# Installed as operators install Barman: our two Debian packages, which take the place of Debian's barman and
# barman-cli (installed by the lab as the tests' peer). The configuration and the catalog stay; an
# /etc/barman.conf edited by hand is kept (--force-confold). Links left by an earlier ./install.sh in
# /usr/local/bin would come first in PATH: they go, so that the packages' commands run.
for link in /usr/local/bin/barman /usr/local/bin/barman-wal-archive /usr/local/bin/barman-wal-restore; do
    case "$(readlink "$link" 2>/dev/null)" in /opt/barmanj/*) rm -f "$link" ;; esac
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    ./packaging/target/barmanj_*_all.deb ./packaging/target/barmanj-cli_*_all.deb >/dev/null
echo "installed: $(dpkg-query -W -f='${Package} ${Version}  ' barmanj barmanj-cli)"
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

# "Setup the standby servers": pg2-srv and pg3-srv restored from the backup over ssh, then streaming from pg1-srv.
for n in 2 3; do
    $lab pg destroy "pg$n"
    run barman barman recover demo latest "/var/lib/edb/pg$n/data" --standby-mode \
        --remote-ssh-command="ssh enterprisedb@pg$n-srv"
    conf=/var/lib/edb/pg$n/data/postgresql.conf
    # Lab only: the three "hosts" share one machine, so each server listens on its own address and has its
    # own socket folder (on real hosts the restored settings are right as they are).
    runuser -u enterprisedb -- mkdir -p "/var/lib/edb/pg$n/run"
    runuser -u enterprisedb -- sed -i -e "s|^listen_addresses = .*|listen_addresses = 'pg$n-srv'|" \
        -e "s|^unix_socket_directories = .*|unix_socket_directories = '/var/lib/edb/pg$n/run'|" "$conf"
    echo "primary_conninfo = 'host=pg1-srv user=replic_user port=5444'" \
        | runuser -u enterprisedb -- tee -a "/var/lib/edb/pg$n/data/postgresql.auto.conf" >/dev/null
    echo
    version=$($lab pg start "pg$n" 15 "pg$n-srv" 5444)  # a standby that does not start ends the script
    echo "Starting the standby on pg$n-srv: PostgreSQL $version"
done
streaming=0
for _ in $(seq 100); do
    streaming=$($lab pg psql pg1 -Atc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
    [ "$streaming" = 2 ] && break
    sleep 0.2
done
echo
echo "\$ sudo -iu enterprisedb ps -o pid,cmd fx   # on pg1-srv: the two standbys stream"
runuser -u enterprisedb -- ps -o pid,cmd fx | grep -E "postmaster|postgres -D|walsender" | grep -v grep || true
$lab pg psql pg1 -c "SELECT application_name, client_addr, state FROM pg_stat_replication"
if [ "$streaming" != 2 ]; then
    echo "ERROR: $streaming standbys streaming from pg1-srv, expected 2" >&2
    exit 1
fi
echo
echo "The lab keeps running; stop it with: $lab down"
