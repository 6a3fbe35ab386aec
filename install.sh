#!/bin/sh
# Installs the distribution built by 'mvn -B package' and a sample configuration.
#   ./install.sh [PREFIX]     (default PREFIX: /opt/barmanj; launchers linked into /usr/local/bin)
# Existing configuration files are never overwritten.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:-/opt/barmanj}
dist="$here/barman-cli/target/dist"
[ -x "$dist/bin/barman" ] || { echo "ERROR: $dist/bin/barman not found: run 'mvn -B package' first" >&2; exit 1; }
mkdir -p "$prefix"
rm -rf "$prefix/bin" "$prefix/lib"
cp -R "$dist/bin" "$dist/lib" "$prefix/"
[ -d "$dist/share" ] && cp -R "$dist/share" "$prefix/"
# The class-data-sharing archives record the jars' paths: build them again where the jars now live.
"$prefix/bin/barman" --build-cds-archive
"$prefix/bin/barman-wal-archive" --build-cds-archive
for launcher in "$prefix"/bin/*; do
    ln -sf "$launcher" "/usr/local/bin/$(basename "$launcher")"
done
# Bash completion beside the launchers: bash-completion looks in /usr/local/share before /usr/share, where
# Debian's barman package keeps its own file, which stays untouched.
completion="$dist/share/bash-completion/completions/barman"
if [ -f "$completion" ]; then
    mkdir -p /usr/local/share/bash-completion/completions
    cp "$completion" /usr/local/share/bash-completion/completions/barman
fi
if [ ! -e /etc/barman.conf ]; then
    cp "$here/etc/barman.conf" /etc/barman.conf
    echo "installed /etc/barman.conf"
fi
mkdir -p /etc/barman.d
for template in "$here"/etc/barman.d/*.conf-template; do
    [ -e "/etc/barman.d/$(basename "$template")" ] || cp "$template" /etc/barman.d/
done
echo "barman installed in $prefix (launchers in /usr/local/bin, bash completion in /usr/local/share/bash-completion)"
