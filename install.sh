#!/bin/sh
# Installs barmanj without a package manager (on Debian, prefer the packages: docs/packaging.md), from
#   - this build tree, after 'mvn -B package' (barman-cli/target/dist and etc/), or
#   - the tarball packaging/target/barmanj-<version>.tar.gz, unpacked: this same file is its install.sh, beside
#     its usr/ and etc/ (the packages' layout).
#
#   ./install.sh [--system] [PREFIX]   (default PREFIX: /opt/barmanj)
#
# Puts the launchers and jars in PREFIX/bin and PREFIX/lib, links the launchers into /usr/local/bin, copies the
# manual pages and bash completion (when the build has them) under /usr/local/share, and /etc/barman.conf and
# /etc/barman.d/*-template when absent. --system also sets the host up as the barmanj package does: the barman
# system user, /var/lib/barman and /var/log/barman (barman:barman, 0750), /etc/cron.d/barman (barman cron every
# minute) and /etc/logrotate.d/barman, each only when absent.
# Existing configuration files are never overwritten. Running it again installs the build again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
system=false
if [ "${1:-}" = "--system" ]; then system=true; shift; fi
prefix=${1:-/opt/barmanj}
case "$prefix" in
    /*) ;;
    *) echo "ERROR: PREFIX must be an absolute path" >&2; exit 1 ;;
esac
case "$prefix" in
    /|/usr|/usr/local|/opt) echo "ERROR: PREFIX $prefix would replace the system's own bin and lib folders" >&2; exit 1 ;;
esac
links=/usr/local/bin
share=/usr/local/share

if [ -d "$here/usr/share/barmanj" ]; then
    # The tarball: the server's and the PostgreSQL hosts' commands in their packages' folders.
    server="$here/usr/share/barmanj"
    client="$here/usr/share/barmanj-cli"
    man="$here/usr/share/man"
    completion="$here/usr/share/bash-completion/completions"
    etc="$here/etc"
    cron="$here/etc/cron.d/barman"
    logrotate="$here/etc/logrotate.d/barman"
else
    dist="$here/barman-cli/target/dist"
    [ -x "$dist/bin/barman" ] || { echo "ERROR: $dist/bin/barman not found: run 'mvn -B package' first" >&2; exit 1; }
    server="$dist"
    client="$dist"
    man="$dist/share/man"
    completion="$dist/share/bash-completion/completions"
    etc="$here/etc"
    cron="$here/packaging/src/deb/barmanj/cron"
    logrotate="$here/packaging/src/deb/barmanj/logrotate"
fi

mkdir -p "$prefix"
rm -rf "$prefix/bin" "$prefix/lib"
mkdir -p "$prefix/bin" "$prefix/lib"
for dir in "$server" "$client"; do
    cp "$dir"/bin/* "$prefix/bin/"
    # The jars only: class-data-sharing archives record the jars' paths, so they are built again below.
    cp "$dir"/lib/*.jar "$prefix/lib/"
done
chmod 0755 "$prefix/bin"/*
# Built as root for every user to read; a failure only makes start-up slower (the launchers run without them).
"$prefix/bin/barman" --build-cds-archive || echo "WARNING: no class-data-sharing archive for barman" >&2
"$prefix/bin/barman-wal-archive" --build-cds-archive \
    || echo "WARNING: no class-data-sharing archive for barman-wal-archive" >&2
mkdir -p "$links"
for launcher in "$prefix"/bin/*; do
    ln -sf "$launcher" "$links/$(basename "$launcher")"
done

for page in "$man"/man*/*; do
    [ -f "$page" ] || continue
    section=$(basename "$(dirname "$page")")
    mkdir -p "$share/man/$section"
    cp "$page" "$share/man/$section/"
done
if [ -f "$completion/barman" ]; then
    mkdir -p "$share/bash-completion/completions"
    cp "$completion/barman" "$share/bash-completion/completions/barman"
fi

if [ ! -e /etc/barman.conf ]; then
    cp "$etc/barman.conf" /etc/barman.conf
    echo "installed /etc/barman.conf"
fi
mkdir -p /etc/barman.d
for template in "$etc"/barman.d/*-template; do
    [ -e "/etc/barman.d/$(basename "$template")" ] || cp "$template" /etc/barman.d/
done

if $system; then
    if ! getent passwd barman > /dev/null; then
        if command -v adduser > /dev/null && adduser --help 2>&1 | grep -q -- --system; then
            adduser --system --quiet --group --home /var/lib/barman --no-create-home \
                --gecos "Backup and Recovery Manager for PostgreSQL" --shell /bin/bash barman
        else
            useradd --system --user-group --home-dir /var/lib/barman --no-create-home \
                --comment "Backup and Recovery Manager for PostgreSQL" --shell /bin/bash barman
        fi
        echo "created the barman system user"
    fi
    for dir in /var/lib/barman /var/log/barman; do
        mkdir -p "$dir"
        chown barman:barman "$dir"
        chmod 0750 "$dir"
    done
    if [ -d /etc/cron.d ] && [ ! -e /etc/cron.d/barman ]; then
        # The package's job runs /usr/bin/barman; here the launcher is linked elsewhere.
        sed "s#/usr/bin/barman#$links/barman#g" "$cron" > /etc/cron.d/barman
        chmod 0644 /etc/cron.d/barman
        echo "installed /etc/cron.d/barman"
    fi
    if [ -d /etc/logrotate.d ] && [ ! -e /etc/logrotate.d/barman ]; then
        # logrotate's 'create ... barman adm': hosts without an adm group get the barman group.
        if getent group adm > /dev/null; then cp "$logrotate" /etc/logrotate.d/barman
        else sed 's/ barman adm$/ barman barman/' "$logrotate" > /etc/logrotate.d/barman
        fi
        chmod 0644 /etc/logrotate.d/barman
        echo "installed /etc/logrotate.d/barman"
    fi
fi
echo "barman installed in $prefix (launchers in $links)"
