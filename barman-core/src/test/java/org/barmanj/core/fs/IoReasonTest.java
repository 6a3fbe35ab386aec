package org.barmanj.core.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The exceptions whose message is only a path get their reason back; the file is added only when asked. */
class IoReasonTest {
    @TempDir
    Path dir;

    @Test
    void reasonsOfRealFailures() throws IOException {
        Path missing = dir.resolve("missing");
        IOException noFile = assertThrows(IOException.class, () -> Files.readString(missing));
        assertEquals(missing.toString(), noFile.getMessage(), "what used to be printed as the reason");
        assertEquals("No such file or directory", IoReason.of(noFile));
        assertEquals(missing + ": No such file or directory", IoReason.withFile(noFile));

        Path file = Files.writeString(dir.resolve("file"), "");
        IOException exists = assertThrows(IOException.class, () -> Files.createDirectories(file));
        assertEquals("File exists", IoReason.of(exists));

        IOException notDir = assertThrows(IOException.class, () -> Files.createDirectories(file.resolve("sub")));
        assertEquals(file.resolve("sub") + ": Not a directory", IoReason.withFile(notDir));

        IOException folder = assertThrows(IOException.class, () -> Files.readString(dir));
        assertEquals("Is a directory", IoReason.of(folder));
        assertEquals("Is a directory", IoReason.withFile(folder), "no file known: the reason alone");
    }
}
