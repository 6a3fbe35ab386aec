package org.barmanj.core.hooks;

import org.barmanj.core.RecordingEvents;
import org.barmanj.core.TestServer;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A hook script's environment, exit-code semantics and retries, as Barman's hooks.py (real {@code sh}). */
class HookScriptTest {
    @TempDir
    Path home;

    private ServerConfig server(String options) throws Exception {
        return TestServer.create(home, options);
    }

    @Test
    void theEnvironmentIsBarmans() throws Exception {
        Path seen = home.resolve("seen");
        ServerConfig server = server("pre_archive_script = env | grep ^BARMAN_ | sort > " + seen + "\n"
                + "path_prefix = /opt/custom/bin\npost_archive_script = echo \"$PATH\" > " + seen + ".path\n");
        HookScript.pre(server, "archive", h -> h.wal("000000010000000000000002", Path.of("/x/incoming/f"), 16,
                "1764000000.5", null, null), new RecordingEvents());
        assertEquals(List.of("BARMAN_COMPRESSION=", "BARMAN_CONFIGURATION=" + home.resolve("barman.conf"),
                "BARMAN_ERROR=", "BARMAN_FILE=/x/incoming/f", "BARMAN_HOOK=archive_script", "BARMAN_PHASE=pre",
                "BARMAN_RETRY=0", "BARMAN_SEGMENT=000000010000000000000002", "BARMAN_SERVER=demo", "BARMAN_SIZE=16",
                "BARMAN_TIMESTAMP=1764000000.5", "BARMAN_VERSION=" + org.barmanj.core.BuildInfo.COMPAT_VERSION),
                Files.readAllLines(seen));
        HookScript.post(server, "archive", h -> h.env("BARMAN_ERROR", "x"), new RecordingEvents());
        assertTrue(Files.readString(seen.resolveSibling("seen.path")).startsWith("/opt/custom/bin:"));
    }

    @Test
    void aFailingStandardScriptIsWarnedAboutAndChangesNothing() throws Exception {
        RecordingEvents events = new RecordingEvents();
        HookScript.pre(server("pre_delete_script = echo oops; exit 4\n"), "delete", h -> { }, events);
        assertEquals(List.of("WARNING: echo oops; exit 4 returned 4\nOutput details:\noops"), events.all.stream()
                .filter(l -> !l.startsWith("DEBUG")).toList());
    }

    @Test
    void aRetryScriptRunsAgainUntilItSucceeds() throws Exception {
        Path count = home.resolve("count");
        // Fails the first time, succeeds the second (3 seconds later, as Barman's).
        ServerConfig server = server("pre_delete_retry_script = echo x >> " + count + "; [ $(wc -l < " + count
                + ") -ge 2 ]\n");
        long start = System.nanoTime();
        HookScript.pre(server, "delete", h -> { }, new RecordingEvents());
        assertEquals(2, Files.readAllLines(count).size());
        assertTrue(System.nanoTime() - start >= 2_900_000_000L, "3 seconds between attempts");
    }

    @Test
    void exitCodes62And63() throws Exception {
        RecordingEvents events = new RecordingEvents();
        assertEquals(62, HookScript.retry(server("pre_backup_retry_script = exit 62\n"), "backup", "pre").run(events));
        assertTrue(events.all.contains("WARNING: exit 62 was aborted (got exit status 62, Barman resumes)"),
                events.all.toString());
        HookScript.Aborted stop = assertThrows(HookScript.Aborted.class, () -> HookScript.pre(
                server("pre_recovery_retry_script = exit 63\n"), "recovery", h -> { }, new RecordingEvents()));
        assertEquals("pre_recovery_retry_script 'exit 63' was aborted (got exit status 63, Barman requested to stop)",
                stop.getMessage());
        RecordingEvents post = new RecordingEvents();
        HookScript.post(server("post_recovery_retry_script = exit 63\n"), "recovery", h -> { }, post);
        assertTrue(post.all.contains("WARNING: Ignoring stop request after receiving abort (exit code 63) from "
                + "post-recovery retry hook script: exit 63"), post.all.toString());
    }

    @Test
    void orderAndRetryFlag() throws Exception {
        Path seen = home.resolve("order");
        ServerConfig server = server(
                "pre_delete_script = echo pre $BARMAN_RETRY >> " + seen + "\n"
                + "pre_delete_retry_script = echo pre-retry $BARMAN_RETRY >> " + seen + "\n"
                + "post_delete_script = echo post $BARMAN_RETRY >> " + seen + "\n"
                + "post_delete_retry_script = echo post-retry $BARMAN_RETRY >> " + seen + "\n");
        assertTrue(HookScript.any(server, "delete"));
        assertFalse(HookScript.any(server, "backup"));
        HookScript.pre(server, "delete", h -> { }, new RecordingEvents());
        HookScript.post(server, "delete", h -> { }, new RecordingEvents());
        assertEquals(List.of("pre 0", "pre-retry 1", "post-retry 1", "post 0"), Files.readAllLines(seen));
    }

    @Test
    void jsonAsPythons() {
        assertEquals("{\"a\": \"x\\\"\\u00e9\", \"b\": true, \"c\": 2}",
                HookScript.json(Map.of("c", 2, "b", true, "a", "x\"é")));
    }
}
