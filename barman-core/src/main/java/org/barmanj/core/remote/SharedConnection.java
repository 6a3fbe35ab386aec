package org.barmanj.core.remote;

import org.barmanj.core.process.ChildProcesses;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The ssh command lines of one backup or recovery, and the one OpenSSH connection its short commands share
 * (listing files for parallel jobs; preparing a recovery's destination, pushing its WAL files): riding it, a
 * command skips the handshake, about 0.2 s each here. Every line gets {@code -o
 * BatchMode=yes} (no prompt can wait for an answer) and {@code -o ConnectTimeout=}{@value #CONNECT_TIMEOUT_SECONDS}
 * (a host that accepts the connection and never answers fails the command instead of hanging it; OpenSSH uses
 * the first value it reads, so a {@code -o ConnectTimeout=N} in the ssh command wins). Bulk copies keep
 * connections of their own ({@link Rsync#bulkCommand}). Sharing is only for an ssh command whose program is
 * OpenSSH's {@code ssh} and that does not set connection sharing itself ({@code -o ControlMaster=no} turns this
 * off); any other leaves every command connecting by itself. The shared connection is a master ssh ({@code -N})
 * that is a child process like any other ({@link ChildProcesses}), not one that ssh's {@code ControlPersist} puts
 * in the background out of reach: it ends when this is closed, or with this process.
 */
public final class SharedConnection implements AutoCloseable {
    static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** How long {@link #close()} waits for the master to end once asked. */
    private static final int CLOSE_SECONDS = 5;
    private static final Pattern SETS_SHARING =
            Pattern.compile("(?i).*control(master|path|persist).*|-[a-zA-Z]*[MS][a-zA-Z]*");
    private static final File DEV_NULL = new File("/dev/null");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String sshCommand;
    /** The master's socket; ssh creates it (mode 0600) and removes it as the master ends. */
    private final Path socket;
    private Process master;

    private SharedConnection(String sshCommand, Path socket) {
        this.sshCommand = sshCommand;
        this.socket = socket;
    }

    /** Sharing for {@code sshCommand} (null: commands run on this host). Nothing is connected yet. */
    public static SharedConnection of(String sshCommand) {
        if (sshCommand == null || !mayShare(sshCommand)) {
            return new SharedConnection(sshCommand, null);
        }
        // An unguessable name, so that nobody else can have put anything there in the shared temporary folder.
        return new SharedConnection(sshCommand, Path.of(System.getProperty("java.io.tmpdir"),
                "barman-ssh-" + HexFormat.of().toHexDigits(RANDOM.nextLong())));
    }

    /**
     * Opens the shared connection in the background, if it is not open yet: its handshake runs while the caller
     * goes on. A master that cannot be started or cannot connect leaves every command connecting by itself.
     */
    public synchronized void open() {
        if (socket == null || master != null) {
            return;
        }
        try {
            // exec: ssh itself is the child, whose SIGTERM on close() ends the connection and removes the socket
            // (mayShare() made sure that the command starts with the ssh program).
            master = ChildProcesses.start(new ProcessBuilder("sh", "-c", "exec " + ownSshCommand()
                    + " -o ControlMaster=yes -o ControlPersist=no" + controlPath() + " -N")
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
        } catch (IOException e) {
            // No sharing: the commands connect by themselves.
        }
    }

    /**
     * The ssh command for a short command: it rides the shared connection once that is open (this opens it), and
     * connects by itself until then.
     */
    public String sshCommand() {
        if (socket == null) {
            return ownSshCommand();
        }
        open();
        return ownSshCommand() + " -o ControlMaster=no" + controlPath();
    }

    /** The ssh command for a connection of its own (a bulk copy). */
    public String ownSshCommand() {
        return sshCommand == null ? null
                : sshCommand + " -o BatchMode=yes -o ConnectTimeout=" + CONNECT_TIMEOUT_SECONDS;
    }

    private String controlPath() {
        return " -o ControlPath=" + Shell.quote(socket.toString());
    }

    /** Ends the shared connection: asked first, killed after {@value #CLOSE_SECONDS} seconds. */
    @Override
    public synchronized void close() {
        if (master == null) {
            return;
        }
        master.destroy();
        try {
            if (!master.waitFor(CLOSE_SECONDS, TimeUnit.SECONDS)) {
                master.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            master.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            // Left by a master that was killed.
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // A name nobody else can guess, in the temporary folder: harmless.
        }
    }

    /**
     * The command's program is {@code ssh} (by name or path), so the options added here are OpenSSH's, and none
     * of its words sets connection sharing ({@code Control*} options, {@code -M}, {@code -S}): the user's own
     * choice is left alone.
     */
    static boolean mayShare(String sshCommand) {
        String[] words = sshCommand.strip().split("\\s+");
        boolean openSsh = words[0].equals("ssh") || words[0].endsWith("/ssh");
        return openSsh && Arrays.stream(words).skip(1).noneMatch(w -> SETS_SHARING.matcher(w).matches());
    }
}
