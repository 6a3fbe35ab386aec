package org.barmanj.walarchive;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ssh command line barman-wal-archive and barman-wal-restore use to reach {@code barman} on the backup
 * host: Barman's {@code ssh [-p PORT] -q -T USER@HOST barman ...}, plus a connect timeout and, unless turned
 * off, OpenSSH connection sharing so that consecutive calls from PostgreSQL reuse one connection.
 */
final class Ssh {
    /** Seconds an idle shared connection stays open. */
    static final int PERSIST_SECONDS = 60;
    /** Seconds ssh waits for the backup host to connect and answer, unless {@code --connect-timeout} says. */
    static final int DEFAULT_CONNECT_TIMEOUT = 30;

    private Ssh() {
    }

    /** The longest control socket path ssh can bind, less the random suffix it adds while creating it. */
    private static final int MAX_SOCKET_PATH = 107 - 17;

    /** The words a POSIX shell reads as themselves (Python's {@code shlex.quote} leaves them bare too). */
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /**
     * The ssh command running {@code remote} on the backup host. ssh hands the remote shell one command line,
     * so every word of {@code remote} is quoted here: the shell there gives {@code barman} exactly these
     * arguments, whatever characters a server name, WAL name or path holds.
     */
    static List<String> command(String user, String host, String port, boolean reuse, int connectTimeout,
            List<String> remote) {
        List<String> ssh = new ArrayList<>(List.of("ssh"));
        if (port != null) {
            ssh.add("-p");
            ssh.add(port);
        }
        // ConnectTimeout bounds the TCP connection and the handshake (a host that never sends its banner);
        // the keepalives end a connection whose host stops answering later (ssh's ServerAliveCountMax, 3).
        ssh.addAll(List.of("-o", "ConnectTimeout=" + connectTimeout, "-o", "ServerAliveInterval=" + connectTimeout));
        Path folder = Path.of(System.getProperty("user.home"), ".ssh");
        // ssh fails outright when it cannot create the socket: share only where that is sure to work.
        if (reuse && Files.isDirectory(folder) && Files.isWritable(folder)
                && folder.toString().length() + "/barman-cm-".length() + 40 <= MAX_SOCKET_PATH) {
            ssh.addAll(List.of("-o", "ControlMaster=auto", "-o", "ControlPersist=" + PERSIST_SECONDS,
                    "-o", "ControlPath=" + folder + "/barman-cm-%C"));
        }
        ssh.addAll(List.of("-q", "-T", user + "@" + host));
        List<String> words = new ArrayList<>();
        for (String word : remote) {
            words.add(quote(word));
        }
        ssh.add(String.join(" ", words));
        return ssh;
    }

    /** {@code word} as one word of a POSIX shell command line: bare when plain, else single-quoted. */
    static String quote(String word) {
        if (PLAIN_WORD.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
