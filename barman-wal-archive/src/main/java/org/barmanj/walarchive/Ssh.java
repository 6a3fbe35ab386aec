package org.barmanj.walarchive;

import java.util.ArrayList;
import java.util.List;

/**
 * The ssh command line barman-wal-archive and barman-wal-restore use to reach {@code barman} on the backup
 * host: Barman's {@code ssh [-p PORT] -q -T USER@HOST barman ...}, plus, unless turned off, OpenSSH
 * connection sharing so that consecutive calls from PostgreSQL reuse one connection.
 */
final class Ssh {
    /** Seconds an idle shared connection stays open. */
    static final int PERSIST_SECONDS = 60;

    private Ssh() {
    }

    static List<String> command(String user, String host, String port, boolean reuse, List<String> remote) {
        List<String> ssh = new ArrayList<>(List.of("ssh"));
        if (port != null) {
            ssh.add("-p");
            ssh.add(port);
        }
        if (reuse) {
            ssh.addAll(List.of("-o", "ControlMaster=auto", "-o", "ControlPersist=" + PERSIST_SECONDS,
                    "-o", "ControlPath=~/.ssh/barman-cm-%C"));
        }
        ssh.addAll(List.of("-q", "-T", user + "@" + host));
        ssh.addAll(remote);
        return ssh;
    }
}
