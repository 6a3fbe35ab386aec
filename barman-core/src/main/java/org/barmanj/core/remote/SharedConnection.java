package org.barmanj.core.remote;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;

/**
 * An OpenSSH master connection held open while one command (a backup, a recovery) runs, so that its short
 * commands over the same ssh command (preparing the destination, listing files for parallel jobs, pushing the
 * recovery's WAL files) skip the handshake, about 0.2 s each here. Bulk copies keep connections of their own
 * ({@link Rsync#bulkCommand}). Only for an ssh command whose program is OpenSSH's {@code ssh}; any other, or a
 * master that cannot be opened, leaves every command connecting by itself, as before. The master is opened in
 * the background from the start; it ends when closed, or by itself after {@value #IDLE_SECONDS} idle seconds if
 * this process dies.
 */
public final class SharedConnection implements AutoCloseable {
    private static final int IDLE_SECONDS = 30;
    private static final File DEV_NULL = new File("/dev/null");

    private final String sshCommand;
    private final Path folder;
    private final CompletableFuture<Boolean> opened;

    private SharedConnection(String sshCommand, Path folder, CompletableFuture<Boolean> opened) {
        this.sshCommand = sshCommand;
        this.folder = folder;
        this.opened = opened;
    }

    /** Starts opening a master connection for {@code sshCommand} (null: commands run on this host). */
    public static SharedConnection open(String sshCommand) {
        if (sshCommand == null || !isOpenSsh(sshCommand)) {
            return new SharedConnection(sshCommand, null, CompletableFuture.completedFuture(false));
        }
        Path folder;
        try {
            folder = Files.createTempDirectory("barman-ssh-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            return new SharedConnection(sshCommand, null, CompletableFuture.completedFuture(false));
        }
        String socket = folder.resolve("master").toString();
        CompletableFuture<Boolean> opened = CompletableFuture.supplyAsync(() -> {
            try {
                // -N with ControlPersist: ssh authenticates, leaves the master in the background and returns.
                Process p = ssh(sshCommand + " -o BatchMode=yes -o ControlMaster=yes -o ControlPersist="
                        + IDLE_SECONDS + " -o ControlPath=" + Shell.quote(socket) + " -N");
                return p.waitFor() == 0 && Files.exists(Path.of(socket));
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        return new SharedConnection(sshCommand, folder, opened);
    }

    /**
     * The ssh command for one more command to the same host: over the master once it is up (waiting for it if it
     * is being opened), else the plain one. ssh connects by itself if the master has gone meanwhile.
     */
    public String sshCommand() {
        if (folder == null || !opened.join()) {
            return sshCommand;
        }
        return sshCommand + " -o ControlMaster=no -o ControlPath=" + Shell.quote(folder.resolve("master").toString());
    }

    /** The ssh command for a connection of its own (a bulk copy). */
    public String ownSshCommand() {
        return sshCommand;
    }

    @Override
    public void close() {
        if (folder == null) {
            return;
        }
        try {
            Path socket = folder.resolve("master");
            if (opened.join()) {
                ssh(sshCommand + " -o ControlPath=" + Shell.quote(socket.toString()) + " -O exit").waitFor();
                // The master removes its socket as it ends: this command leaves no process behind.
                for (int i = 0; i < 200 && Files.exists(socket); i++) {
                    Thread.sleep(5);
                }
            }
        } catch (IOException e) {
            // The master ends by itself once idle.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(folder.resolve("master"));
                Files.deleteIfExists(folder);
            } catch (IOException e) {
                // A leftover empty folder in the temporary directory: harmless.
            }
        }
    }

    private static Process ssh(String command) throws IOException {
        return new ProcessBuilder("sh", "-c", command).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** The command's program is {@code ssh} (by name or path): the options added here are OpenSSH's. */
    static boolean isOpenSsh(String sshCommand) {
        String program = sshCommand.strip().split("\\s+", 2)[0];
        return program.equals("ssh") || program.endsWith("/ssh");
    }
}
