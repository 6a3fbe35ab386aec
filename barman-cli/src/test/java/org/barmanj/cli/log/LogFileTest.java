package org.barmanj.cli.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log file on real files: Barman's line format, Python's levels, logrotate's two modes, an unwritable log. */
class LogFileTest {
    /** Barman's default format, Python's asctime ({@code 2026-12-02 06:15:03,123}). */
    static final Pattern LINE = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}) \\[(\\d+)] (\\S+) (DEBUG|INFO|WARNING|ERROR): (.*)");

    @TempDir
    Path dir;
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private LogFile log(Path file, int threshold) {
        return new LogFile(file, threshold, PythonLogLayout.BARMAN_FORMAT,
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    @Test
    void barmansFormat() throws IOException {
        Path file = dir.resolve("barman.log");
        LogFile log = log(file, LogLevel.DEBUG);
        LocalDateTime before = LocalDateTime.now().truncatedTo(ChronoUnit.MILLIS);
        log.info("Starting WAL archiving for server demo");
        log.warning("a warning");
        log.error("an error");
        log.debug("a debug line");
        LocalDateTime after = LocalDateTime.now();
        log.close();
        List<String> lines = lines(file);
        assertEquals(4, lines.size(), lines.toString());
        String[] levels = {"INFO", "WARNING", "ERROR", "DEBUG"};
        String[] messages = {"Starting WAL archiving for server demo", "a warning", "an error", "a debug line"};
        for (int i = 0; i < 4; i++) {
            Matcher m = LINE.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            LocalDateTime time = LocalDateTime.parse(m.group(1),
                    DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS"));
            assertFalse(time.isBefore(before) || time.isAfter(after), "local time of the record: " + m.group(1));
            assertEquals(String.valueOf(ProcessHandle.current().pid()), m.group(2));
            assertEquals(levels[i], m.group(4));
            assertEquals(messages[i], m.group(5));
        }
        assertEquals("", err());
    }

    @Test
    void passwordsAreRedacted() throws IOException {
        Path file = dir.resolve("barman.log");
        LogFile log = log(file, LogLevel.INFO);
        log.error("cannot connect with host=pg password=s3cret dbname=postgres");
        log.close();
        String text = Files.readString(file);
        assertFalse(text.contains("s3cret"), text);
        assertTrue(text.contains("password=*REDACTED*"), text);
    }

    @Test
    void levelsAsPythonsThresholds() throws IOException {
        int[] thresholds = {LogLevel.NOTSET, 15, LogLevel.INFO, LogLevel.WARNING, LogLevel.ERROR, LogLevel.CRITICAL};
        String[] kept = {"DIWE", "IWE", "IWE", "WE", "E", ""};
        for (int i = 0; i < thresholds.length; i++) {
            Path file = dir.resolve("level-" + i + ".log");
            LogFile log = log(file, thresholds[i]);
            log.debug("D");
            log.info("I");
            log.warning("W");
            log.error("E");
            log.close();
            String written = Files.exists(file)
                    ? String.join("", lines(file).stream().map(l -> l.substring(l.length() - 1)).toList()) : "";
            assertEquals(kept[i], written, "threshold " + thresholds[i]);
        }
        assertFalse(Files.exists(dir.resolve("level-5.log")), "nothing logged: the file is not even created");
    }

    @Test
    void levelNamesAndNumbers() {
        assertEquals(LogLevel.DEBUG, LogLevel.parse("debug"));
        assertEquals(LogLevel.WARNING, LogLevel.parse("WARN"));
        assertEquals(LogLevel.CRITICAL, LogLevel.parse("fatal"));
        assertEquals(LogLevel.NOTSET, LogLevel.parse("NOTSET"));
        assertEquals(15, LogLevel.parse(" 15 "));
        assertNull(LogLevel.parse("LOUD"));
    }

    /** logrotate's default: the file renamed, a new one created (or none yet): the next record reopens the path. */
    @Test
    void logrotateCreate() throws IOException {
        Path file = dir.resolve("barman.log");
        LogFile log = log(file, LogLevel.INFO);
        log.info("before rotation");
        Files.move(file, dir.resolve("barman.log.1"));
        log.info("after rotation, no new file yet");
        assertEquals(List.of("before rotation"), messages(dir.resolve("barman.log.1")));
        assertEquals(List.of("after rotation, no new file yet"), messages(file));
        Files.move(file, dir.resolve("barman.log.2"), StandardCopyOption.REPLACE_EXISTING);
        Files.createFile(file);
        log.info("after rotation into a created file");
        log.close();
        assertEquals(List.of("after rotation into a created file"), messages(file));
        assertEquals(List.of("after rotation, no new file yet"), messages(dir.resolve("barman.log.2")));
        assertEquals("", err());
    }

    /** logrotate's copytruncate: the file copied, then truncated in place; appends go at its new end. */
    @Test
    void logrotateCopytruncate() throws IOException {
        Path file = dir.resolve("barman.log");
        LogFile log = log(file, LogLevel.INFO);
        log.info("one");
        log.info("two");
        Files.copy(file, dir.resolve("barman.log.1"));
        try (FileChannel truncate = FileChannel.open(file, StandardOpenOption.WRITE)) {
            truncate.truncate(0);
        }
        log.info("three");
        log.close();
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            assertTrue(b != 0, "no hole of NULs where the old records were");
        }
        assertEquals(List.of("three"), messages(file));
        assertEquals(List.of("one", "two"), messages(dir.resolve("barman.log.1")));
    }

    /** Barman creates the log's folder. */
    @Test
    void missingFolderIsCreated() throws IOException {
        Path file = dir.resolve("var/log/barman/barman.log");
        LogFile log = log(file, LogLevel.INFO);
        log.info("first");
        log.close();
        assertEquals(List.of("first"), messages(file));
    }

    /** A log that cannot be opened: one warning on standard error, whatever the number of records. */
    @Test
    void unwritableLogWarnsOnce() throws IOException {
        Files.writeString(dir.resolve("file"), "");
        Path underAFile = dir.resolve("file/barman.log");
        LogFile log = log(underAFile, LogLevel.INFO);
        log.info("one");
        log.error("two");
        log.close();
        assertEquals("WARNING: Failed opening the requested log file '" + underAFile + "': " + dir.resolve("file")
                + ": File exists. Logging is off for this command.\n", err(), "mkdir(2) of the folder, as Python's os.makedirs");

        stderr.reset();
        Path folder = dir.resolve("folder.log");
        Files.createDirectory(folder);
        LogFile onAFolder = log(folder, LogLevel.INFO);
        onAFolder.warning("one");
        onAFolder.warning("two");
        onAFolder.close();
        assertEquals("WARNING: Failed opening the requested log file '" + folder
                + "': Is a directory. Logging is off for this command.\n", err());
    }

    /** The file is rotated to a folder that cannot be opened again: one warning, then nothing. */
    @Test
    void reopenFailureWarnsOnce() throws IOException {
        Path file = dir.resolve("barman.log");
        LogFile log = log(file, LogLevel.INFO);
        log.info("one");
        Files.move(file, dir.resolve("barman.log.1"));
        Files.createDirectory(file);
        log.info("two");
        log.info("three");
        log.close();
        assertEquals(List.of("one"), messages(dir.resolve("barman.log.1")));
        assertEquals("WARNING: Failed opening the requested log file '" + file
                + "': Is a directory. Logging is off for this command.\n", err());
    }

    @Test
    void pythonFormats() throws IOException {
        Path file = dir.resolve("custom.log");
        LogFile log = new LogFile(file, LogLevel.INFO, "%(levelname)-8s|%(levelno)03d|%(processName)s|%% %(message).5s",
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        log.warning("truncated message");
        log.close();
        assertEquals(List.of("WARNING |030|MainProcess|% trunc"), lines(file));
    }

    static List<String> messages(Path file) throws IOException {
        return lines(file).stream().map(l -> {
            Matcher m = LINE.matcher(l);
            assertTrue(m.matches(), l);
            return m.group(5);
        }).toList();
    }
}
