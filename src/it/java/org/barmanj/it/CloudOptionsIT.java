package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the credentials come from, ours beside Barman 3.4's barman-cloud-wal-archive on S3Proxy: a profile of
 * ~/.aws (--profile, AWS_PROFILE), a profile that does not exist, nothing at all. (-e and --tags cannot be shown
 * here: S3Proxy's filesystem backend implements neither and answers 501 NotImplemented, see
 * docs/commands/barman-cloud-wal-archive.md.)
 */
class CloudOptionsIT {
    static final CloudLab LAB = new CloudLab("cloudoptions", 9788);
    static Path dir;
    static Path wal;
    static Path history;

    @BeforeAll
    static void lab() throws Exception {
        LAB.start();
        dir = Files.createTempDirectory("cloudoptions");
        wal = dir.resolve("000000010000000000000002");
        Files.write(wal, new byte[64 << 10]);
        history = dir.resolve("00000002.history");
        Files.writeString(history, "1\t0/3000000\tno recovery target specified\n");
        Path aws = dir.resolve("home/.aws");
        Files.createDirectories(aws);
        Files.writeString(aws.resolve("config"), "[profile lab]\nregion = us-east-1\n");
        Files.writeString(aws.resolve("credentials"), "[lab]\naws_access_key_id = " + CloudLab.KEY
                + "\naws_secret_access_key = " + CloudLab.SECRET + "\n");
    }

    @AfterAll
    static void down() {
        LAB.stop();
    }

    /** The WAL archiver (ours or 3.4's), with HOME in the test folder and no credentials in the environment. */
    static Proc withProfile(String command, String profileEnv, String... args) {
        List<String> c = new java.util.ArrayList<>(List.of("env", "-u", "AWS_ACCESS_KEY_ID", "-u",
                "AWS_SECRET_ACCESS_KEY", "HOME=" + dir.resolve("home")));
        if (profileEnv != null) {
            c.add("AWS_PROFILE=" + profileEnv);
        }
        c.addAll(List.of(command, "--endpoint-url", LAB.endpoint));
        c.addAll(List.of(args));
        return Proc.run(c);
    }

    @Test
    void credentialsFromAProfileOrFromNowhere() {
        for (String command : List.of(LAB.ours("barman-cloud-wal-archive"), "barman-cloud-wal-archive")) {
            String url = "s3://profiles/" + (command.startsWith("/") ? "ours" : "theirs");
            Proc byOption = withProfile(command, null, "--profile", "lab", url, "demo", wal.toString());
            assertEquals(0, byOption.exit(), command + ": " + byOption.err());
            Proc byEnv = withProfile(command, "lab", url, "demo", history.toString());
            assertEquals(0, byEnv.exit(), command + ": " + byEnv.err());
            Proc unknown = withProfile(command, null, "--profile", "nosuch", url, "demo", wal.toString());
            assertEquals(4, unknown.exit(), command + ": " + unknown.err());
            assertTrue(unknown.err().contains("nosuch"), command + ": " + unknown.err());
            Proc none = withProfile(command, null, url, "demo", wal.toString());
            assertEquals(4, none.exit(), command + ": " + none.err());
            assertTrue(none.err().toLowerCase().contains("credentials"), command + ": " + none.err());
            assertFalse(unknown.err().contains(CloudLab.SECRET) || none.err().contains(CloudLab.SECRET));
            for (Proc p : List.of(unknown, none)) {
                assertEquals(1, p.err().strip().lines().count(), command + ": " + p.err());
                assertTrue(p.err().length() < 300, command + ": " + p.err());
            }
        }
        for (String who : List.of("ours", "theirs")) {
            assertTrue(Files.exists(LAB.object("profiles", who + "/demo/wals/0000000100000000/" + wal.getFileName())));
            assertTrue(Files.exists(LAB.object("profiles", who + "/demo/wals/00000002.history")));
        }
    }
}
