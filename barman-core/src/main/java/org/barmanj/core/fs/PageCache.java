package org.barmanj.core.fs;

import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Dropping a file's pages from the page cache once they are on disk. A backup is read back rarely, and the memory
 * its copy would otherwise hold is then reused for the next bytes written: on virtual machines that hand freed
 * memory back to the host, writing into pages the guest has not touched lately costs several times the copy
 * itself. Java has no {@code posix_fadvise}, so this runs coreutils' {@code dd} with {@code iflag=nocache
 * count=0}, which advises {@code POSIX_FADV_DONTNEED} for the whole file and reads nothing. The kernel keeps
 * pages not yet written back, so this never loses data; a failure only leaves the pages cached.
 */
public final class PageCache {
    private PageCache() {
    }

    public static void drop(Path file) {
        try {
            Process dd = ChildProcesses.start(new ProcessBuilder("dd", "if=" + file.toAbsolutePath(), "iflag=nocache",
                    "count=0", "status=none")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD));
            dd.waitFor();
        } catch (IOException e) {
            // No dd here: the pages stay cached, which is only slower.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
