package org.barmanj.walarchive;

import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The longest control socket path ssh can bind, less the random suffix it adds while creating it. */
    private static final int MAX_SOCKET_PATH = 107 - 17;

    static List<String> command(String user, String host, String port, boolean reuse, List<String> remote) {
        List<String> ssh = new ArrayList<>(List.of("ssh"));
        if (port != null) {
            ssh.add("-p");
            ssh.add(port);
        }
        Path folder = Path.of(System.getProperty("user.home"), ".ssh");
        // ssh fails outright when it cannot create the socket: share only where that is sure to work.
        if (reuse && Files.isDirectory(folder) && Files.isWritable(folder)
                && folder.toString().length() + "/barman-cm-".length() + 40 <= MAX_SOCKET_PATH) {
            ssh.addAll(List.of("-o", "ControlMaster=auto", "-o", "ControlPersist=" + PERSIST_SECONDS,
                    "-o", "ControlPath=" + folder + "/barman-cm-%C"));
        }
        ssh.addAll(List.of("-q", "-T", user + "@" + host));
        ssh.addAll(remote);
        return ssh;
    }
}
