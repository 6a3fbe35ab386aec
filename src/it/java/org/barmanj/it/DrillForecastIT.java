package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drill's forecast on PostgreSQL 15 (port 6730): a drill records its redo figures in {@code drill.json} and
 * prints a {@code Forecast:} block; after more WAL is archived, {@code barman drill --forecast} names the backup,
 * counts the new segments and shows each part with a non-negative time, on the console and in JSON. The forecast
 * against a real recover of 1 GB of WAL is src/it/bench/drill/run (docs/performance.md).
 */
class DrillForecastIT {
    private static final Pattern SECONDS = Pattern.compile("(-?[0-9]+\\.[0-9]) s");

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void forecastAfterADrillAndAlone() throws Exception {
        String primary = "drill-forecast";
        BarmanHome home = new BarmanHome("drillforecast").tutorialServer("pg1-srv", 6730)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        String bin = Lab.lab("pg-bin", "15").out().strip();
        try {
            Lab.lab("pg", "destroy", primary);
            Lab.lab("pg", "start", primary, "15", "pg1-srv", "6730",
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").ok();
            Lab.psql(primary, "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 20000) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
            Files.writeString(home.root.resolve("barman.d/demo.drill"), "[demo]\ndrill_bin_path = " + bin
                    + "\ndrill_port = 6739\n");

            Proc drill = home.barman("drill", "demo");
            System.out.println(drill.out() + drill.err());
            assertEquals(0, drill.exit(), drill.out() + drill.err());
            assertTrue(drill.out().contains("\tredo: "), drill.out());
            String json = Files.readString(home.root.resolve("demo/base/" + id + "/drill.json"));
            for (String key : new String[] {"\"redo_bytes\": ", "\"redo_seconds\": ", "\"start_overhead_seconds\": ",
                    "\"restore_bytes_per_second\": "}) {
                assertTrue(json.contains(key), key + "\n" + json);
            }
            String after = drill.out().substring(drill.out().indexOf("Drill OK"));
            assertTrue(after.contains("\nForecast: restore of backup " + id + " of server demo and the WAL archived "
                    + "since (rates of the drill of " + id + " at "), after);

            // three more segments archived after the drill
            for (int i = 0; i < 3; i++) {
                Lab.psql(primary, "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g");
                home.barman("switch-wal", "--force", "--archive", "demo").ok();
            }
            Proc forecast = home.barman("drill", "--forecast", "demo");
            System.out.println(forecast.out() + forecast.err());
            assertEquals(0, forecast.exit(), forecast.err());
            String[] lines = forecast.out().split("\n");
            assertEquals(5, lines.length, forecast.out());
            assertTrue(lines[0].startsWith("Forecast: restore of backup " + id + " of server demo"), lines[0]);
            Matcher segments = Pattern.compile("\\+ (\\d+) WAL segments uncompressed .*, (\\d+) of them after the "
                    + "backup's end").matcher(lines[1]);
            assertTrue(segments.find(), lines[1]);
            assertTrue(Integer.parseInt(segments.group(2)) >= 3, lines[1]);
            assertTrue(Integer.parseInt(segments.group(1)) > Integer.parseInt(segments.group(2)), lines[1]);
            String[] parts = {"\tcopy: ", "\tWAL replay: ", "\tstart: ", "\ttotal: "};
            for (int i = 0; i < parts.length; i++) {
                assertTrue(lines[i + 1].startsWith(parts[i]), lines[i + 1]);
                Matcher m = SECONDS.matcher(lines[i + 1]);
                if (lines[i + 1].startsWith("\tWAL replay: unknown")) {
                    assertTrue(lines[i + 1].contains("no replay rate measured yet"), lines[i + 1]);
                    continue;
                }
                assertTrue(m.find(), lines[i + 1]);
                assertTrue(Double.parseDouble(m.group(1)) >= 0, lines[i + 1]);
            }

            Proc asJson = home.barman("-f", "json", "drill", "--forecast", "demo");
            assertEquals(0, asJson.exit(), asJson.err());
            assertTrue(asJson.out().contains("\"backup_id\": \"" + id + "\""), asJson.out());
            for (String key : new String[] {"copy_seconds", "start_seconds", "copy_bytes_per_second"}) {
                Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.eE]+)").matcher(asJson.out());
                assertTrue(m.find(), key + "\n" + asJson.out());
                assertTrue(Double.parseDouble(m.group(1)) >= 0, key + "\n" + asJson.out());
            }
            Path scratch = home.root.resolve("demo/drill/demo");
            assertTrue(!Files.exists(scratch), "the scratch folder removed");
        } finally {
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }
}
