package org.barmanj.cli.man;

import org.barmanj.core.BuildInfo;
import org.barmanj.walarchive.Manual;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the manual pages, run by the build (barman-cli's pom, at package time) with the output folder
 * ({@code target/dist/share/man}) and the project's root: barman(1), barman-wal-archive(1),
 * barman-wal-restore(1), barman.conf(5) and barman(5), which points at barman.conf(5) as Debian's Barman ships
 * its configuration page. Plain roff, not compressed (the package compresses). Nothing here is in a runtime jar.
 */
public final class ManPages {
    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ManPages OUTPUT_DIR PROJECT_ROOT");
        }
        Path out = Path.of(args[0]);
        for (Map.Entry<String, String> page : pages(Path.of(args[1]), date(System.getenv("SOURCE_DATE_EPOCH")))
                .entrySet()) {
            Path file = out.resolve(page.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, page.getValue(), StandardCharsets.UTF_8);
        }
    }

    /** Every page, by its path under the man folder. */
    static Map<String, String> pages(Path root, String date) throws IOException {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("man1/barman.1", BarmanPage.render(date));
        for (String program : Manual.PROGRAMS) {
            pages.put("man1/" + program + ".1", WalClientPage.render(program, date));
        }
        pages.put("man5/barman.conf.5", ConfPage.render(root, date, BuildInfo.VERSION));
        pages.put("man5/barman.5", ".so man5/barman.conf.5\n");
        return pages;
    }

    /** The pages' date: that of SOURCE_DATE_EPOCH (reproducible builds), else today's, as YYYY-MM-DD. */
    static String date(String sourceDateEpoch) {
        Instant when = sourceDateEpoch == null || sourceDateEpoch.isBlank() ? Instant.now()
                : Instant.ofEpochSecond(Long.parseLong(sourceDateEpoch.strip()));
        return LocalDate.ofInstant(when, ZoneOffset.UTC).toString();
    }
}
