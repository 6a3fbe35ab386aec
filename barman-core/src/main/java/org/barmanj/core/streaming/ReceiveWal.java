package org.barmanj.core.streaming;

import org.barmanj.core.BarmanException;
import org.barmanj.core.Events;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Barman 3.4's streaming archiver around the receiver (its {@code StreamingWalArchiver.receive_wal} and
 * {@code Server.create_physical_repslot}/{@code drop_repslot}): the checks of the streaming connection and of the
 * slot (created when {@code create_slot = auto}), {@code --reset}, the truncation of a {@code .partial} of the
 * wrong size, and the receiver itself, in place of {@code pg_receivewal}. The caller holds the receive-wal lock.
 */
public final class ReceiveWal {
    private final ServerConfig server;
    private final Map<String, String> env;
    private final String userHome;
    private final Events events;
    private final Path folder;

    public ReceiveWal(ServerConfig server, Path folder, Map<String, String> env, String userHome, Events events) {
        this.server = server;
        this.folder = folder;
        this.env = env;
        this.userHome = userHome;
        this.events = events;
    }

    private int timeout() {
        Integer t = server.integer(Option.CHECK_TIMEOUT);
        return t == null ? 30 : t;
    }

    private ReplicationSession streaming() {
        return ReplicationSession.open(server.string(Option.STREAMING_CONNINFO), env, userHome, timeout(),
                "barman_streaming");
    }

    /** Why a streaming archiver cannot start: Barman's {@code ArchiverFailure}, an {@code ERROR:} line. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    /**
     * Checks, then streams until stopped (SIGINT/SIGTERM) or until the connection is lost. Returns normally when
     * stopped or after a reset; a check or the receiver failing is a {@link Failure}.
     */
    public void receive(boolean reset) throws Failure {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new Failure("cannot create " + folder + ": " + IoReason.of(e));
        }
        ReplicationSession.Identity identity;
        try (ReplicationSession s = streaming()) {
            identity = s.identify();
        } catch (PostgresException | SQLException e) {
            events.debug("streaming connection for server " + server.name() + ": " + e.getMessage());
            throw new Failure("failed opening the PostgreSQL streaming connection for server " + server.name());
        }
        String slot = server.string(Option.SLOT_NAME);
        PostgresStatus status = PostgresStatus.fetch(this, slot);
        if (slot != null) {
            if (status.slotActive == null) {
                if ("auto".equals(server.string(Option.CREATE_SLOT))) {
                    if (!reset) {
                        events.info("Creating replication slot '" + slot + "'");
                        createSlot(false);
                    }
                } else {
                    throw new Failure("replication slot '" + slot + "' doesn't exist. Please execute 'barman "
                            + "receive-wal --create-slot " + server.name() + "'");
                }
            } else if (status.slotActive) {
                throw new Failure("replication slot '" + slot + "' is already in use");
            }
        }
        if (reset) {
            reset(status, identity);
            return;
        }
        truncatePartialIfNeeded(status.segmentSize);
        String name = server.string(Option.STREAMING_ARCHIVER_NAME);
        WalReceiver receiver = new WalReceiver(new WalReceiver.Settings(folder,
                server.string(Option.STREAMING_CONNINFO), env, userHome, timeout(), name, slot,
                status.synchronousFor(name)), prefixed());
        StopSignals.install(receiver::stop);
        try {
            receiver.run();
        } catch (BarmanException e) {
            throw new Failure("receive-wal terminated with error: " + e.getMessage());
        } catch (IOException e) {
            throw new Failure("receive-wal terminated with error: " + IoReason.of(e));
        }
        events.info("SIGINT received. Terminate gracefully.");
    }

    /** The receiver's lines, as Barman shows pg_receivewal's: after the server's name. */
    private Events prefixed() {
        String prefix = server.name() + ": receive-wal: ";
        return new Events() {
            @Override
            public void info(String message) {
                events.info(prefix + message);
            }

            @Override
            public void warning(String message) {
                events.info(prefix + "warning: " + message);
            }

            @Override
            public void error(String message) {
                events.info(prefix + "error: " + message);
            }

            @Override
            public void debug(String message) {
                events.debug(prefix + message);
            }
        };
    }

    /** What the receive-wal checks read through {@code conninfo}, as Barman's postgres remote status. */
    private record PostgresStatus(Boolean slotActive, String slotRestartLsn, String currentLsn, String currentWal,
                                  long segmentSize, List<String> synchronousNames) {
        /** Nothing known when PostgreSQL cannot be reached (Barman then sees no slot and no synchronous names). */
        static PostgresStatus fetch(ReceiveWal r, String slot) {
            try (PostgresConnection pg = PostgresConnection.open(r.server, r.env, r.userHome)) {
                Boolean active = null;
                String restart = null;
                if (slot != null) {
                    Map<String, String> row = pg.row("SELECT active::text AS active, restart_lsn::text AS "
                            + "restart_lsn FROM pg_replication_slots WHERE slot_name = ?", slot);
                    if (!row.isEmpty()) {
                        active = "true".equals(row.get("active"));
                        restart = row.get("restart_lsn");
                    }
                }
                boolean standby = "t".equals(pg.value("SELECT pg_is_in_recovery()"));
                String lsn = pg.value(standby ? "SELECT pg_last_wal_replay_lsn()::text"
                        : "SELECT pg_current_wal_lsn()::text");
                String wal = standby ? null : pg.value("SELECT pg_walfile_name(pg_current_wal_lsn())");
                long segmentSize = Long.parseLong(pg.value("SELECT setting::bigint * (CASE unit WHEN '8kB' THEN "
                        + "8192 WHEN 'MB' THEN 1048576 ELSE 1 END) FROM pg_settings WHERE name = 'wal_segment_size'"));
                return new PostgresStatus(active, restart, lsn, wal, segmentSize,
                        parseSynchronousNames(pg.value("SHOW synchronous_standby_names")));
            } catch (PostgresException e) {
                r.events.debug("PostgreSQL connection for server " + r.server.name() + ": " + e.getMessage());
                return new PostgresStatus(null, null, null, null, 0, List.of());
            }
        }

        /** Barman's {@code _is_synchronous}: the name, or {@code *}, among synchronous_standby_names. */
        boolean synchronousFor(String name) {
            return synchronousNames.contains("*") || synchronousNames.contains(name);
        }
    }

    /** Barman's reading of synchronous_standby_names: the names inside the parentheses, if any, unquoted. */
    static List<String> parseSynchronousNames(String setting) {
        if (setting == null || setting.isBlank()) {
            return List.of();
        }
        int start = setting.indexOf('(') + 1;
        int end = setting.lastIndexOf(')');
        if (end < 0) {
            end = setting.length();
        }
        List<String> names = new ArrayList<>();
        for (String n : setting.substring(start, end).split(",")) {
            names.add(stripQuotes(n.strip()));
        }
        return names;
    }

    private static String stripQuotes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '"') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '"') {
            to--;
        }
        return s.substring(from, to);
    }

    /** Barman's {@code _truncate_partial_file_if_needed}: a .partial neither empty nor full is emptied. */
    private void truncatePartialIfNeeded(long segmentSize) throws Failure {
        if (segmentSize == 0) {
            return;
        }
        try {
            Path last = null;
            try (Stream<Path> list = Files.list(folder)) {
                for (Path p : (Iterable<Path>) list::iterator) {
                    String n = p.getFileName().toString();
                    if (n.matches("[0-9A-F]{24}\\.partial") && (last == null
                            || n.compareTo(last.getFileName().toString()) > 0)) {
                        last = p;
                    }
                }
            }
            if (last == null) {
                return;
            }
            long size = Files.size(last);
            if (size == 0 || size == segmentSize) {
                return;
            }
            events.info("Truncating partial file " + last + " that has wrong size " + size + " while "
                    + segmentSize + " was expected.");
            Files.write(last, new byte[0]);
        } catch (IOException e) {
            throw new Failure("cannot read " + folder + ": " + IoReason.of(e));
        }
    }

    /** Barman's {@code _reset_streaming_status}: the folder's position moved to the slot's or the server's. */
    private void reset(PostgresStatus status, ReplicationSession.Identity identity) throws Failure {
        if (status.currentLsn == null) {
            throw new Failure("cannot reset receive-wal for server " + server.name() + ": PostgreSQL is not "
                    + "reachable through conninfo");
        }
        WalPosition wal = new WalPosition(status.segmentSize);
        int tli = identity.timeline();
        String currentWal = wal.fileName(tli, wal.segmentNumber(WalPosition.parseLsn(status.currentLsn)));
        String restartWal = status.slotRestartLsn == null ? currentWal
                : wal.fileName(tli, wal.segmentNumber(WalPosition.parseLsn(status.slotRestartLsn)));
        Path restartPartial = folder.resolve(restartWal + ".partial");
        String last = null;
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String n = p.getFileName().toString();
                if ((n.matches("[0-9A-F]{24}") || n.matches("[0-9A-F]{24}\\.partial"))
                        && (last == null || n.compareTo(last) > 0)) {
                    last = n;
                }
            }
        } catch (IOException e) {
            throw new Failure("cannot read " + folder + ": " + IoReason.of(e));
        }
        if (last == null || last.equals(restartWal) || last.equals(restartWal + ".partial")) {
            events.info("Nothing to do. Position of receive-wal is aligned.");
            return;
        }
        if (last.compareTo(currentWal) > 0) {
            events.error("The receive-wal position is ahead of PostgreSQL current WAL lsn (" + last + " > "
                    + status.currentWal + ")");
            return;
        }
        events.info("Resetting receive-wal directory status");
        try {
            if (last.endsWith(".partial")) {
                events.info("Removing status file " + folder.resolve(last));
                Files.delete(folder.resolve(last));
            }
            events.info("Creating status file " + restartPartial);
            Files.write(restartPartial, new byte[0]);
        } catch (IOException e) {
            throw new Failure("cannot reset " + folder + ": " + IoReason.of(e));
        }
    }

    /** {@code receive-wal --create-slot}: Barman's lines; with {@code ifNotExists} an existing slot is fine. */
    public void createSlot(boolean ifNotExists) {
        slotCommand(true, ifNotExists);
    }

    /** {@code receive-wal --drop-slot}. */
    public void dropSlot() {
        slotCommand(false, false);
    }

    private void slotCommand(boolean create, boolean ifNotExists) {
        String verb = create ? "create" : "drop";
        String slot = server.string(Option.SLOT_NAME);
        ReplicationSession s;
        try {
            s = streaming();
        } catch (PostgresException e) {
            events.error("Cannot connect to server '" + server.name() + "'");
            events.debug("Cannot connect to server '" + server.name() + "': " + e.getMessage());
            return;
        }
        try (s) {
            if (slot == null) {
                events.error("Unable to " + verb + " a physical replication slot: slot_name configuration option "
                        + "required");
                return;
            }
            events.info((create ? "Creating" : "Dropping") + " physical replication slot '" + slot + "' on server '"
                    + server.name() + "'");
            try {
                // As Barman: the name is not quoted, the replication protocol takes it as it is.
                s.execute(create ? "CREATE_REPLICATION_SLOT " + slot + " PHYSICAL" : "DROP_REPLICATION_SLOT " + slot);
                events.info("Replication slot '" + slot + "' " + (create ? "created" : "dropped"));
            } catch (SQLException e) {
                String state = e.getSQLState();
                if (create && ReplicationSession.DUPLICATE_OBJECT.equals(state)) {
                    if (ifNotExists) {
                        events.info("Replication slot '" + slot + "' already exists");
                    } else {
                        events.error("Replication slot '" + slot + "' already exists");
                    }
                } else if (create && ReplicationSession.CONFIGURATION_LIMIT_EXCEEDED.equals(state)) {
                    events.error("All replication slots for server '" + server.name() + "' are in use\nFree one or "
                            + "increase the max_replication_slots value on your PostgreSQL server.");
                } else if (!create && ReplicationSession.UNDEFINED_OBJECT.equals(state)) {
                    events.error("Replication slot '" + slot + "' does not exist");
                } else if (!create && ReplicationSession.OBJECT_IN_USE.equals(state)) {
                    events.error("Cannot drop replication slot '" + slot + "' on server '" + server.name()
                            + "' because it is in use.");
                } else {
                    events.error("Cannot " + verb + " replication slot '" + slot + "' on server '" + server.name()
                            + "': " + ReplicationSession.failure(e).getMessage());
                }
            }
        }
    }
}
