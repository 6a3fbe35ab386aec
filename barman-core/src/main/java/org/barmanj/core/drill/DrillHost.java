package org.barmanj.core.drill;

import org.barmanj.core.Events;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.remote.Shell;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The host a drill runs on: this one ({@link LocalDrillHost}), or another one over ssh ({@link SshDrillHost},
 * {@code --remote-ssh-command}). What the drill does there goes through this: its scratch folder, the programs
 * it runs, its PostgreSQL and the socket the checks connect to.
 */
interface DrillHost extends AutoCloseable {
    /** The ssh command of the restore ({@code recover}'s {@code --remote-ssh-command}); null on this host. */
    String remoteSshCommand();

    /** Runs the restore ({@link Recovery} for {@link #remoteSshCommand()}) onto this host. */
    void restore(Recovery recovery);

    /** How a path of this host is named in messages. */
    String describe(Path path);

    /** The scratch root when {@code drill_path} is not set; null: the server's {@code <backup_directory>/drill}. */
    Path defaultScratchRoot();

    /** The PostgreSQL programs of {@code major} on this host; refused when there are none. */
    PostgresBinaries binaries(int major, String binPath, String pathPrefix, Map<String, String> env);

    /**
     * A scratch folder left by a drill that did not end: its PostgreSQL killed, the folder removed; refused when it
     * is not a drill's folder or a live process other than the drill's PostgreSQL runs there.
     */
    void removeStale(Path scratch, Events events) throws IOException;

    /** Creates the scratch folder (0700; it must not exist) with its marker file and its {@code run} folder. */
    void createScratch(Path scratch, String marker) throws IOException;

    /** Writes small text files. */
    void write(Map<Path, String> files) throws IOException;

    /** The regular files under {@code folder}: path relative to it, size. */
    Map<Path, Long> files(Path folder) throws IOException;

    /** What {@code file} holds from {@code offset} on, at most {@code max} bytes; empty when it does not exist. */
    byte[] read(Path file, long offset, int max) throws IOException;

    /** Runs a program and waits for it. */
    Shell.Result run(List<String> command) throws IOException, InterruptedException;

    /**
     * Starts PostgreSQL ({@code command}: its program and arguments) in {@code pgdata}, its output into
     * {@code log}, so that it ends with this process however that ends. {@code socketFile}: where it listens.
     */
    Postmaster start(List<String> command, Path pgdata, Path log, Path socketFile) throws IOException;

    /** The socket file the checks' connections open for the server's {@code socketFile}. */
    Path checksSocket(Path socketFile);

    /** Removes the scratch folder. */
    void delete(Path scratch) throws IOException;

    @Override
    void close();

    /** The drill's running PostgreSQL. */
    interface Postmaster {
        boolean isAlive();

        /** Sends a signal ({@code INT}, {@code KILL}) to the postmaster. */
        void signal(String signal);

        boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException;

        /** Its exit code, once it has ended. */
        int exitValue();
    }
}
