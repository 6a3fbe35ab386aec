#!/usr/bin/env bash
# Runs every test on a Debian machine, as root: installs what is missing (Debian packages, OS users, ssh keys,
# PostgreSQL 13/17 binaries), then 'mvn -B verify': unit tests, then the integration tests against real
# PostgreSQL 13, 15 and 17, sshd and Debian's Barman 3.4, started by the lab (src/it/lab/lab).
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then
    echo "ERROR: run as root: the lab creates OS users, edits /etc/hosts and starts sshd" >&2
    exit 1
fi
src/it/lab/lab provision
trap 'src/it/lab/lab down' EXIT
mvn -B verify
