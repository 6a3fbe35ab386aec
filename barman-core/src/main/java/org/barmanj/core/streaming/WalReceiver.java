package org.barmanj.core.streaming;

import org.barmanj.core.Events;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.postgres.PostgresException;
import org.postgresql.copy.CopyDual;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Receives WAL over the replication protocol into {@code streaming_wals_directory}, as {@code pg_receivewal
 * --no-loop} does (Barman 3.4 runs that): the start is found in the folder, else the slot's restart point, else
 * the server's position; the segment being received is {@code <segment>.partial} and becomes {@code <segment>} when
 * complete; the flush position told to the server (which moves the slot) is only ever what was fsynced. At the end
 * of a timeline the next one's history file is fetched and streaming goes on there, from the start of the segment
 * of the switch; a lost connection ends {@link #run} with an error; {@link #stop} ends it cleanly.
 */
public final class WalReceiver {
    /** pg_receivewal's default {@code --status-interval}. */
    private static final long STATUS_INTERVAL_MILLIS = 10_000;
    /** How long a read waits before the loop looks at the clock and at {@link #stop}. */
    private static final int POLL_MILLIS = 1_000;
    private static final long EPOCH_2000_MICROS = 946_684_800_000_000L;

    /**
     * What the receiver needs: the folder, the streaming conninfo, the {@code application_name}
     * ({@code streaming_archiver_name}), the slot (null for none) and whether to fsync and report each batch at
     * once (pg_receivewal's {@code --synchronous}).
     */
    public record Settings(Path folder, String conninfo, Map<String, String> env, String userHome,
                           int connectTimeoutSeconds, String applicationName, String slotName, boolean synchronous) {
    }

    private final Settings settings;
    private final Events events;
    private volatile boolean stopping;

    public WalReceiver(Settings settings, Events events) {
        this.settings = settings;
        this.events = events;
    }

    /** Asks {@link #run} to fsync what it has, tell the server, and return; safe from any thread. */
    public void stop() {
        stopping = true;
    }

    /**
     * Streams until {@link #stop} (returns normally) or until the connection or a write fails (throws a
     * {@link PostgresException} or an {@link IOException}; what was received is kept, fsynced).
     */
    public void run() throws IOException {
        Files.createDirectories(settings.folder());
        try (ReplicationSession session = ReplicationSession.open(settings.conninfo(), settings.env(),
                settings.userHome(), settings.connectTimeoutSeconds(), settings.applicationName())) {
            stream(session);
        } catch (SQLException e) {
            throw ReplicationSession.failure(e);
        }
    }

    private void stream(ReplicationSession session) throws SQLException, IOException {
        WalPosition wal = WalPosition.ofSetting(session.show("wal_segment_size"));
        ReplicationSession.Identity server = session.identify();
        StartPoint start = startPoint(session, wal, server);
        if (start.timeline() > server.timeline()) {
            throw new PostgresException("starting timeline " + start.timeline() + " is not present in the server",
                    null);
        }
        int timeline = start.timeline();
        long position = start.lsn();
        while (!stopping) {
            if (timeline > 1) {
                fetchHistory(session, timeline);
            }
            TimelineHistory.Switch end = null;
            if (timeline < server.timeline()) {
                end = session.timelineHistory(server.timeline()).parsed(server.timeline()).switchFrom(timeline);
                if (end == null) {
                    throw new PostgresException("timeline " + timeline + " is not in the history of the server's "
                            + "timeline " + server.timeline(), null);
                }
            }
            if (end == null || position < end.at()) {
                if (!streamTimeline(session, wal, timeline, position, end == null ? -1 : end.at())) {
                    return;
                }
            }
            events.info("switched to timeline " + end.nextTimeline() + " at " + WalPosition.formatLsn(end.at()));
            timeline = end.nextTimeline();
            position = wal.roundDown(end.at());
        }
    }

    /** pg_receivewal's start: the folder, else the slot (READ_REPLICATION_SLOT, PostgreSQL 15+), else the server. */
    private StartPoint startPoint(ReplicationSession session, WalPosition wal, ReplicationSession.Identity server)
            throws SQLException, IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(settings.folder())) {
            for (Path p : (Iterable<Path>) list::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(p.getFileName().toString(), Files.size(p));
                }
            }
        }
        List<String> skipped = new ArrayList<>();
        StartPoint start = StartPoint.inFolder(files, wal, skipped);
        skipped.forEach(events::warning);
        if (start == null && settings.slotName() != null && session.serverVersionNum() >= 150000) {
            start = session.slotRestart(settings.slotName());
        }
        if (start == null) {
            start = new StartPoint(server.timeline(), server.position());
        }
        return StartPoint.atSegmentOf(start.timeline(), start.lsn(), wal);
    }

    /** Writes the timeline's history file if the folder lacks it, as pg_receivewal does before streaming it. */
    private void fetchHistory(ReplicationSession session, int timeline) throws SQLException, IOException {
        Path file = settings.folder().resolve(WalPosition.historyFileName(timeline));
        if (Files.exists(file)) {
            return;
        }
        ReplicationSession.History history = session.timelineHistory(timeline);
        Path tmp = settings.folder().resolve(history.fileName() + ".tmp");
        Files.write(tmp, history.content());
        Durable.syncFile(tmp);
        Files.move(tmp, settings.folder().resolve(history.fileName()), StandardCopyOption.ATOMIC_MOVE);
        Durable.syncFolder(settings.folder());
    }

    /**
     * Streams one timeline from {@code start} until {@code end} (-1: the server's current timeline, no end).
     * Returns true at the end of the timeline, false when stopped.
     */
    private boolean streamTimeline(ReplicationSession session, WalPosition wal, int timeline, long start, long end)
            throws SQLException, IOException {
        CopyDual copy = session.startReplication(settings.slotName(), start, timeline, POLL_MILLIS);
        events.info("starting log streaming at " + WalPosition.formatLsn(start) + " (timeline " + timeline + ")");
        Streaming stream = new Streaming(copy, wal, timeline, start);
        try {
            while (true) {
                if (stopping) {
                    stream.syncAndReport();
                    return false;
                }
                if (end >= 0 && stream.received >= end) {
                    if (stream.segment != null) {
                        events.info("not renaming \"" + stream.segment.name() + ".partial\", segment is not "
                                + "complete");
                    }
                    stream.closeSegment();
                    session.readTimeout(30_000);
                    // The server ended the timeline: our CopyDone ends the command, whose result is not needed.
                    copy.endCopy();
                    return true;
                }
                stream.receive();
            }
        } finally {
            stream.closeSegment();
        }
    }

    /** One START_REPLICATION: what was received, written and fsynced, and the replies to the server. */
    private final class Streaming {
        private final CopyDual copy;
        private final WalPosition wal;
        private final int timeline;
        private long received;
        private long flushed;
        private long lastStatus;
        private SegmentFile segment;

        Streaming(CopyDual copy, WalPosition wal, int timeline, long start) {
            this.copy = copy;
            this.wal = wal;
            this.timeline = timeline;
            this.received = start;
            this.flushed = start;
        }

        /** Waits up to a poll for messages; takes what came (in synchronous mode all that is there at once). */
        void receive() throws SQLException, IOException {
            byte[] message = read(true);
            boolean reply = false;
            while (message != null) {
                reply |= handle(message);
                message = settings.synchronous() ? read(false) : null;
            }
            if (settings.synchronous() && segment != null && segment.sync()) {
                flushed = received;
                reply = true;
            }
            if (reply || System.currentTimeMillis() - lastStatus >= STATUS_INTERVAL_MILLIS) {
                status(false);
            }
        }

        private byte[] read(boolean block) throws SQLException {
            try {
                byte[] message = copy.readFromCopy(block);
                if (message == null && !copy.isActive()) {
                    throw new PostgresException("replication stream was terminated before stop point", null);
                }
                return message;
            } catch (SQLException e) {
                if (e.getCause() instanceof SocketTimeoutException) {
                    return null;
                }
                throw new PostgresException("could not receive data from WAL stream: "
                        + ReplicationSession.failure(e).getMessage(), e);
            }
        }

        /** Handles one message; returns whether the server wants a reply now. */
        private boolean handle(byte[] message) throws IOException {
            ByteBuffer m = ByteBuffer.wrap(message);
            switch (m.get(0)) {
                case 'w' -> {
                    long dataStart = m.getLong(1);
                    if (dataStart != received) {
                        throw new PostgresException("got WAL data offset " + WalPosition.formatLsn(dataStart)
                                + ", expected " + WalPosition.formatLsn(received), null);
                    }
                    return write(m.position(25));
                }
                case 'k' -> {
                    return m.get(17) != 0;
                }
                default -> throw new PostgresException("unrecognized streaming header: \"" + (char) m.get(0) + "\"",
                        null);
            }
        }

        /** Writes WAL data into the segments it belongs to; returns true when a segment was completed. */
        private boolean write(ByteBuffer data) throws IOException {
            boolean finished = false;
            while (data.hasRemaining()) {
                if (segment == null) {
                    if (wal.offset(received) != 0) {
                        throw new PostgresException("received write-ahead log record for offset "
                                + wal.offset(received) + " with no file open", null);
                    }
                    segment = SegmentFile.open(settings.folder(),
                            wal.fileName(timeline, wal.segmentNumber(received)), wal.segmentSize());
                }
                int n = (int) Math.min(data.remaining(), wal.segmentSize() - segment.written());
                ByteBuffer part = data.slice(data.position(), n);
                segment.write(part);
                data.position(data.position() + n);
                received += n;
                if (segment.complete()) {
                    segment.finish();
                    events.info("finished segment at " + WalPosition.formatLsn(received) + " (timeline " + timeline
                            + ")");
                    segment = null;
                    flushed = received;
                    finished = true;
                }
            }
            return finished;
        }

        void syncAndReport() throws SQLException, IOException {
            if (segment != null) {
                segment.sync();
            }
            flushed = received;
            status(false);
        }

        /** The end of this stream: the segment being written is left as {@code .partial}, fsynced. */
        void closeSegment() throws IOException {
            if (segment != null) {
                segment.close();
                segment = null;
            }
        }

        /** The standby status update: written and flushed positions (apply is not reported, as pg_receivewal). */
        private void status(boolean replyRequested) throws SQLException {
            ByteBuffer reply = ByteBuffer.allocate(34);
            reply.put((byte) 'r').putLong(received).putLong(flushed).putLong(0)
                    .putLong(System.currentTimeMillis() * 1000 - EPOCH_2000_MICROS)
                    .put((byte) (replyRequested ? 1 : 0));
            copy.writeToCopy(reply.array(), 0, reply.capacity());
            copy.flushCopy();
            lastStatus = System.currentTimeMillis();
        }
    }
}
