package org.barmanj.core.remote;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One OpenSSH connection shared by the short commands of one backup or recovery over the same ssh command
 * (the backup's ssh check, listing files for parallel jobs; preparing a recovery's destination, pushing its WAL
 * files): the first of
 * them opens it as a master ({@code ControlMaster=auto}), the others skip the handshake, about 0.2 s each here.
 * Bulk copies keep connections of their own ({@link Rsync#bulkCommand}). Only for an ssh command whose program
 * is OpenSSH's {@code ssh} and that does not set connection sharing itself ({@code -o ControlMaster=no} turns
 * this off); any other leaves every command connecting by itself. The master ends when this is closed, or by
 * itself after {@value #IDLE_SECONDS} idle seconds if this process dies, removing its socket.
 */
public final class SharedConnection implements AutoCloseable {
    private static final int IDLE_SECONDS = 30;
    private static final Pattern SETS_SHARING =
            Pattern.compile("(?i).*control(master|path|persist).*|-[a-zA-Z]*[MS][a-zA-Z]*");
    private static final File DEV_NULL = new File("/dev/null");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String sshCommand;
    /** The master's socket; ssh creates it (mode 0600) and removes it as the master ends. */
    private final Path socket;

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

    /** The ssh command for a short command: it opens the shared connection, or rides it once it is open. */
    public String sshCommand() {
        if (socket == null) {
            return sshCommand;
        }
        return sshCommand + " -o ControlMaster=auto -o ControlPersist=" + IDLE_SECONDS + " -o ControlPath="
                + Shell.quote(socket.toString());
    }

    /** The ssh command for a connection of its own (a bulk copy). */
    public String ownSshCommand() {
        return sshCommand;
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        try {
            if (Files.exists(socket)) {
                ssh(sshCommand + " -o ControlPath=" + Shell.quote(socket.toString()) + " -O exit").waitFor();
                // The master removes its socket as it ends: nothing is left running after this command.
                for (int i = 0; i < 200 && Files.exists(socket); i++) {
                    Thread.sleep(5);
                }
            }
        } catch (IOException e) {
            // The master ends by itself once idle.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Process ssh(String command) throws IOException {
        return new ProcessBuilder("sh", "-c", command).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
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
