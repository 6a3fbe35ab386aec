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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
     * ({@code streaming_archiver_name}), the slot (null for none) and whether to fsync what comes as it comes and
     * report each fsync at once (pg_receivewal's {@code --synchronous}).
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
        SegmentFile.removePrepared(settings.folder());
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
            server = session.identify();
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
                long reached = streamTimeline(session, wal, timeline, position, end == null ? -1 : end.at());
                if (reached < 0) {
                    return;
                }
                if (end == null) {
                    // The end was found while streaming (a promoted standby): the history tells where to go on.
                    position = reached;
                    continue;
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
     * Returns the position reached at the end of the timeline, -1 when stopped.
     */
    private long streamTimeline(ReplicationSession session, WalPosition wal, int timeline, long start, long end)
            throws SQLException, IOException {
        CopyDual copy = session.startReplication(settings.slotName(), start, timeline, POLL_MILLIS);
        events.info("starting log streaming at " + WalPosition.formatLsn(start) + " (timeline " + timeline + ")");
        long quietSince = System.currentTimeMillis();
        try (Streaming stream = new Streaming(copy, wal, timeline, start)) {
            while (true) {
                if (stopping) {
                    stream.syncAndReport();
                    return -1;
                }
                if (end >= 0 && stream.received >= end) {
                    if (stream.segment != null) {
                        events.info("not renaming \"" + stream.segment.name() + ".partial\", segment is not "
                                + "complete");
                    }
                    stream.close();
                    session.readTimeout(30_000);
                    // The server ended the timeline: our CopyDone ends the command, whose result is not needed.
                    copy.endCopy();
                    return stream.received;
                }
                if (stream.receive()) {
                    quietSince = System.currentTimeMillis();
                } else if (end < 0 && System.currentTimeMillis() - quietSince >= STATUS_INTERVAL_MILLIS) {
                    // A standby streamed from may have been promoted: pgjdbc does not tell the server's end of the
                    // timeline (its CopyDone), so a quiet stream asks the server on a second connection.
                    end = endOfTimeline(timeline);
                    quietSince = System.currentTimeMillis();
                }
            }
        }
    }

    /** Where {@code timeline} ends if the server is now on a later one, else -1. */
    private long endOfTimeline(int timeline) throws SQLException {
        try (ReplicationSession side = ReplicationSession.open(settings.conninfo(), settings.env(),
                settings.userHome(), settings.connectTimeoutSeconds(), settings.applicationName())) {
            int now = side.identify().timeline();
            if (now <= timeline) {
                return -1;
            }
            TimelineHistory.Switch end = side.timelineHistory(now).parsed(now).switchFrom(timeline);
            return end == null ? -1 : end.at();
        }
    }

    /**
     * One START_REPLICATION: what was received, written and fsynced, and the replies to the server. When
     * synchronous, a {@link Flusher} fsyncs beside the reads, so that reading goes on during an fsync and each
     * fsync's position is told to the server as soon as it is done. The next segment is padded with zeros while
     * one is received, so that reading does not stop for it at each new segment.
     */
    private final class Streaming implements AutoCloseable {
        private final CopyDual copy;
        private final WalPosition wal;
        private final int timeline;
        private final Flusher flusher;
        /** Pads the next segment while this one is received. */
        private final ExecutorService preparer = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "receive-wal-pad");
            t.setDaemon(true);
            return t;
        });
        private Future<?> preparing;
        private String preparingName;
        private long received;
        private long flushed;
        /** The flush position last told to the server. */
        private long reported;
        private long lastStatus;
        /** Written by this thread, fsynced by the flusher too. */
        private volatile SegmentFile segment;

        Streaming(CopyDual copy, WalPosition wal, int timeline, long start) {
            this.copy = copy;
            this.wal = wal;
            this.timeline = timeline;
            this.received = start;
            this.flushed = start;
            this.reported = start;
            this.flusher = settings.synchronous() ? new Flusher(Thread.currentThread()) : null;
        }

        /**
         * Takes one message, waiting up to a poll for it unless an fsync's position may soon have to be told;
         * replies when a position was made durable, when asked, and at the status interval. Returns whether WAL
         * came.
         */
        boolean receive() throws SQLException, IOException {
            long before = received;
            boolean block = flusher == null || reported == received;
            byte[] message = read(block);
            boolean reply = false;
            if (message != null) {
                reply = handle(message);
                if (flusher != null) {
                    flusher.wake();
                }
            } else if (!block) {
                flusher.awaitProgress();
            }
            if (flusher != null) {
                flushed = Math.max(flushed, flusher.durable());
            }
            if (reply || flushed != reported || System.currentTimeMillis() - lastStatus >= STATUS_INTERVAL_MILLIS) {
                status(false);
            }
            return received != before;
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
                    write(m.position(25));
                    return false;
                }
                case 'k' -> {
                    boolean replyRequested = m.get(17) != 0;
                    if (replyRequested && segment != null) {
                        // As pg_receivewal: a server asking for a reply may be waiting for our flush position
                        // (a primary shutting down waits until we have flushed all it sent), so fsync first.
                        segment.sync();
                        flushed = received;
                    }
                    return replyRequested;
                }
                default -> throw new PostgresException("unrecognized streaming header: \"" + (char) m.get(0) + "\"",
                        null);
            }
        }

        /** Writes WAL data into the segments it belongs to; a segment completed is flushed. */
        private void write(ByteBuffer data) throws IOException {
            while (data.hasRemaining()) {
                if (segment == null) {
                    if (wal.offset(received) != 0) {
                        throw new PostgresException("received write-ahead log record for offset "
                                + wal.offset(received) + " with no file open", null);
                    }
                    long number = wal.segmentNumber(received);
                    String name = wal.fileName(timeline, number);
                    awaitPrepared(name);
                    segment = SegmentFile.open(settings.folder(), name, wal.segmentSize(), received);
                    prepare(wal.fileName(timeline, number + 1));
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
                }
            }
        }

        private void prepare(String name) {
            preparingName = name;
            preparing = preparer.submit(() -> {
                SegmentFile.prepare(settings.folder(), name, wal.segmentSize());
                return null;
            });
        }

        /** Waits for the padding of segment {@code name} if it is under way (if it failed, opening pads). */
        private void awaitPrepared(String name) throws IOException {
            if (preparing == null || !name.equals(preparingName)) {
                return;
            }
            try {
                preparing.get();
            } catch (ExecutionException e) {
                // Opening the segment pads it, and reports a failure of the folder itself.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for segment " + name + " to be padded", e);
            }
        }

        void syncAndReport() throws SQLException, IOException {
            if (segment != null) {
                segment.sync();
            }
            flushed = received;
            status(false);
        }

        /** The end of this stream: the segment being written is left as {@code .partial}, fsynced. */
        @Override
        public void close() throws IOException {
            if (flusher != null) {
                flusher.stop();
            }
            if (segment != null) {
                segment.close();
                segment = null;
            }
            preparer.shutdown();
            try {
                preparer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            SegmentFile.removePrepared(settings.folder());
        }

        /** The standby status update: written and flushed positions (apply is not reported, as pg_receivewal). */
        private void status(boolean replyRequested) throws SQLException {
            ByteBuffer reply = ByteBuffer.allocate(34);
            reply.put((byte) 'r').putLong(received).putLong(flushed).putLong(0)
                    .putLong(System.currentTimeMillis() * 1000 - EPOCH_2000_MICROS)
                    .put((byte) (replyRequested ? 1 : 0));
            copy.writeToCopy(reply.array(), 0, reply.capacity());
            copy.flushCopy();
            reported = flushed;
            lastStatus = System.currentTimeMillis();
        }

        /**
         * A thread that fsyncs the segment being written whenever it has unsynced bytes, and wakes the reader with
         * each new durable position. It does not write to the connection: pgjdbc holds the connection's lock
         * during a blocking read, so the reader sends the replies.
         */
        private final class Flusher implements Runnable {
            /** How long the reader waits for an fsync when no message is pending. */
            private static final long AWAIT_NANOS = 500_000;
            private static final long IDLE_NANOS = 100_000_000;

            private final Thread reader;
            private final Thread thread;
            private volatile boolean running = true;
            private volatile long durable;
            private volatile IOException failure;

            Flusher(Thread reader) {
                this.reader = reader;
                this.thread = new Thread(this, "receive-wal-fsync");
                thread.setDaemon(true);
                thread.start();
            }

            @Override
            public void run() {
                while (running) {
                    SegmentFile s = segment;
                    long at;
                    try {
                        at = s == null ? -1 : s.sync();
                    } catch (IOException e) {
                        failure = new IOException("could not fsync \"" + s.name() + ".partial\": " + e.getMessage(),
                                e);
                        LockSupport.unpark(reader);
                        return;
                    }
                    if (at > durable) {
                        durable = at;
                        LockSupport.unpark(reader);
                    } else {
                        LockSupport.parkNanos(this, IDLE_NANOS);
                    }
                }
            }

            /** New bytes were written. */
            void wake() {
                LockSupport.unpark(thread);
            }

            /** Waits a little for the next fsync. */
            void awaitProgress() {
                LockSupport.parkNanos(this, AWAIT_NANOS);
            }

            /** The WAL position known to be on disk (0 before the first fsync); an fsync's failure is thrown. */
            long durable() throws IOException {
                if (failure != null) {
                    throw failure;
                }
                return durable;
            }

            void stop() throws IOException {
                running = false;
                LockSupport.unpark(thread);
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the fsync of the WAL received", e);
                }
            }
        }
    }
}
