package org.barmanj.cli.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.Layout;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Appends records to one file with Python's {@code WatchedFileHandler} semantics, so that logrotate needs no
 * signal: before each record, when the path is gone or names another file (device and inode differ from the
 * open one's), the path is opened again. The file is opened for appending ({@code O_APPEND}), so that after
 * logrotate's {@code copytruncate} records go at the new end of the file, not at the old offset; each record is
 * one {@code write(2)}, so that records of concurrent barman processes do not interleave. The first failure
 * (the folder cannot be created, the file cannot be opened or written) is told to {@code failed}, with what
 * was being done and why, once, and the appender writes nothing more.
 */
final class WatchedFileAppender extends AppenderBase<ILoggingEvent> {
    private final Path path;
    private final Layout<ILoggingEvent> layout;
    private final BiConsumer<String, String> failed;
    private FileOutputStream stream;
    private Object openFile;

    WatchedFileAppender(Path path, Layout<ILoggingEvent> layout, BiConsumer<String, String> failed) {
        this.path = path.toAbsolutePath();
        this.layout = layout;
        this.failed = failed;
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] record = layout.doLayout(event).getBytes(StandardCharsets.UTF_8);
        try {
            if (stream == null) {
                // Barman's configure_logging creates the folder (mkpath), once; a reopen does not.
                Files.createDirectories(path.getParent());
                open();
            } else if (!Objects.equals(openFile, identity())) {
                stream.close();
                stream = null;
                open();
            }
        } catch (IOException | SecurityException e) {
            stop();
            failed.accept("opening", reason(e));
            return;
        }
        try {
            stream.write(record);
        } catch (IOException e) {
            stop();
            failed.accept("writing", reason(e));
        }
    }

    private void open() throws IOException {
        stream = new FileOutputStream(path.toFile(), true);
        // Java cannot fstat(2) a stream: the path's identity right after opening it (logrotate would have to
        // move the file in between for this to differ from the open file's).
        openFile = identity();
    }

    /** The device and inode the path names now; null when it is gone. */
    private Object identity() throws IOException {
        try {
            Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
            return attributes.get("dev") + ":" + attributes.get("ino");
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Why {@code e} happened, as the system says it; with the file when it is not the log itself. */
    private String reason(Exception e) {
        if (e instanceof FileSystemException f) {
            String why = f.getReason() != null ? f.getReason()
                    : f instanceof AccessDeniedException ? "Permission denied"
                    : f instanceof NoSuchFileException ? "No such file or directory"
                    : f instanceof FileAlreadyExistsException ? "File exists"
                    : f instanceof NotDirectoryException ? "Not a directory"
                    : f.getClass().getSimpleName();
            return f.getFile() == null || Path.of(f.getFile()).equals(path) ? why : f.getFile() + ": " + why;
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // FileOutputStream says "/path (Permission denied)": the reason only, the caller names the path.
        int paren = message.lastIndexOf(" (");
        return message.startsWith(path + " (") && message.endsWith(")")
                ? message.substring(paren + 2, message.length() - 1) : message;
    }

    @Override
    public void stop() {
        super.stop();
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // Every record was written with its own write(2): nothing is lost by a failed close.
            }
            stream = null;
        }
    }
}
