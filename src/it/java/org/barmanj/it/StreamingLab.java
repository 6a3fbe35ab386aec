package org.barmanj.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the streaming ITs share: a streaming-only server, our receive-wal in the background, psql in the background. */
final class StreamingLab {
    static final String PG15_BIN = "/usr/lib/postgresql/15/bin";

    private StreamingLab() {
    }

    /**
     * A barman home whose demo server streams its WAL (streaming_archiver = on, archiver = off, slot barman,
     * create_slot = auto) from a lab server at {@code host:port}, backed up with rsync over ssh.
     */
    static BarmanHome streamingHome(String name, String host, int port) throws IOException {
        BarmanHome home = new BarmanHome(name);
        writeServer(home, host, port);
        return home.ownedByBarman();
    }

    /** (Re)writes the demo server's section for {@code host:port}: what conninfo and streaming_conninfo reach. */
    static void writeServer(BarmanHome home, String host, int port) throws IOException {
        Path conf = home.root.resolve("barman.d/demo.conf");
        Files.writeString(conf, """
                [demo]
                description = "streaming-only server"
                ssh_command = ssh enterprisedb@%s
                conninfo = host=%s user=barman dbname=postgres port=%d
                streaming_conninfo = host=%s user=barman port=%d
                backup_method = rsync
                backup_options = concurrent_backup
                immediate_checkpoint = true
                archiver = off
                streaming_archiver = on
                slot_name = barman
                create_slot = auto
                """.formatted(host, host, port, host, port));
        Proc.run("chown", home.user + ":", conf.toString()).ok();
    }

    /**
     * A command as the barman user with SIGINT handled as by default. The test JVM may run with SIGINT ignored
     * (started in the background by a non-interactive shell), and an ignored SIGINT stays ignored in every child: a
     * JVM (as Barman's Python) then keeps ignoring it, and {@code receive-wal --stop}, which sends SIGINT as Barman
     * does, could not stop the receiver. A shell session or cron starts barman with the default.
     */
    static List<String> asBarman(BarmanHome home, String... barmanArgs) {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", home.user, "--", "python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], "
                        + "sys.argv[1:])", Lab.BARMAN.toString(), "-c", home.conf.toString()));
        command.addAll(List.of(barmanArgs));
        return command;
    }

    /** {@code barman receive-wal demo} as the barman user, in the background; its output goes to a file. */
    static Process startReceiveWal(BarmanHome home, String log) throws IOException {
        return new ProcessBuilder(asBarman(home, "receive-wal", "demo")).redirectErrorStream(true)
                .redirectOutput(home.root.resolve(log).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    static String log(BarmanHome home, String log) throws IOException {
        Path file = home.root.resolve(log);
        return Files.exists(file) ? Files.readString(file) : "(no " + log + ")";
    }

    /** Ends a receiver left running (one cron started, not a child of the test), by the pid in its lock. */
    static void stopLeftReceiver(BarmanHome home) throws IOException {
        Path lock = home.root.resolve(".demo-receive-wal.lock");
        if (Files.exists(lock) && !Files.readString(lock).isBlank()) {
            long pid = receiverPid(home);
            ProcessHandle.of(pid).filter(h -> h.info().command().orElse("").endsWith("java"))
                    .ifPresent(h -> Proc.run("kill", "-TERM", String.valueOf(pid)));
        }
    }

    /** The pid in the held receive-wal lock: the receiver's JVM. */
    static long receiverPid(BarmanHome home) throws IOException {
        return Long.parseLong(Files.readAllLines(home.root.resolve(".demo-receive-wal.lock")).get(0).strip());
    }

    /** Waits until the lab server has a walsender for {@code application_name} in state streaming. */
    static void waitStreaming(String server, String applicationName) throws Exception {
        BackupIT.waitFor(() -> Lab.psql(server, "SELECT count(*) FROM pg_stat_replication WHERE application_name = '"
                + applicationName + "' AND state = 'streaming'").equals("1"), applicationName + " streaming from "
                + server);
    }

    /** psql 15 on a lab server's socket, in the background (a commit that may wait). */
    static Process psqlInBackground(String server, int port, String sql) throws IOException {
        return new ProcessBuilder("runuser", "-u", "enterprisedb", "--", PG15_BIN + "/psql", "-X", "-q", "-At",
                "-h", "/var/lib/edb/" + server + "/run", "-p", String.valueOf(port), "-d", "postgres", "-c", sql)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    static boolean exited(Process p, long seconds) throws InterruptedException {
        return p.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** Stops what the test started, by pid: the process, then its descendants left (runuser's child JVM). */
    static void kill(Process p) {
        if (p == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        for (ProcessHandle h : all) {
            Proc.run("kill", "-CONT", String.valueOf(h.pid()));
            h.destroyForcibly();
        }
    }

    /**
     * The names of the files in a folder, sorted (an empty list when it does not exist), with the hidden ones: a
     * running receiver's next segment, padded ahead ({@code .<segment>.partial}), is among them.
     */
    static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
