package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The argparse behaviour of the cloud commands' parser, with the messages Barman 3.4's argparse prints. */
class CloudArgsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private CloudArgs args() {
        return new CloudArgs("barman-cloud-x", "A test command.", List.of(CloudArgs.url("destination"),
                CloudArgs.SERVER_NAME, new CloudArgs.Positional("wal_path", "a path")), 2, List.of(
                        CloudCompression.GZIP.option("the WAL"), CloudCompression.BZIP2.option("the WAL"),
                        CloudCompression.SNAPPY.option("the WAL"),
                        CloudOption.tags("TAGS", "Tags", "--tags"), CloudArgs.ENCRYPTION));
    }

    private CloudArgs parse(String... argv) {
        return args().parse(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String usageError(String... argv) {
        CloudExit e = assertThrows(CloudExit.class, () -> parse(argv));
        assertEquals(CloudExit.USAGE, e.code);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("usage: barman-cloud-x "), text);
        return text.lines().reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void valuesFlagsCountsAndTags() {
        // nargs="*" takes every argument up to the next option, as argparse's: positionals go before --tags.
        CloudArgs a = parse("-vv", "-P", "prof", "--endpoint-url=http://h:1", "-eAES256", "-z", "s3://b/p", "demo",
                "wal", "--tags", "a,b", "\"c,d\",e");
        assertEquals(2, a.verbose);
        assertEquals("prof", a.value("--profile"));
        assertEquals("http://h:1", a.value("--endpoint-url"));
        assertEquals("AES256", a.value("--encryption"));
        assertEquals(CloudCompression.GZIP, CloudCompression.chosen(a));
        assertEquals(List.of("a", "b", "c,d", "e"), a.tagLists.get("--tags").stream().flatMap(t -> List.of(t).stream())
                .toList());
        assertEquals(List.of("s3://b/p", "demo", "wal"), a.positionals);
    }

    @Test
    void shortFlagsTogetherAreOneAfterTheOther() {
        CloudArgs a = parse("-vt", "s3://b/p", "demo");
        assertEquals(1, a.verbose);
        assertTrue(a.test);
        assertEquals("barman-cloud-x: error: argument -q/--quiet: not allowed with argument -v/--verbose",
                usageError("-vq", "s3://b/p", "demo"));
    }

    @Test
    void argparseMessages() {
        assertEquals("barman-cloud-x: error: argument -j/--bzip2: not allowed with argument -z/--gzip",
                usageError("-z", "-j", "s3://b/p", "demo"));
        err.reset();
        assertEquals("barman-cloud-x: error: argument -e/--encryption: invalid choice: 'DES' (choose from 'AES256',"
                + " 'aws:kms')", usageError("-e", "DES", "s3://b/p", "demo"));
        err.reset();
        assertEquals("barman-cloud-x: error: argument --read-timeout: invalid int value: 'soon'",
                usageError("--read-timeout", "soon", "s3://b/p", "demo"));
        err.reset();
        assertEquals("barman-cloud-x: error: the following arguments are required: server_name",
                usageError("s3://b/p"));
        err.reset();
        assertEquals("barman-cloud-x: error: unrecognized arguments: --credential", usageError("--credential",
                "azure-cli", "s3://b/p", "demo"));
        err.reset();
        assertEquals("barman-cloud-x: error: argument -P/--profile: expected one argument",
                usageError("s3://b/p", "demo", "-P"));
    }

    @Test
    void helpListsEveryOptionOnceInItsGroup() {
        CloudExit e = assertThrows(CloudExit.class, () -> parse("--help"));
        assertEquals(CloudExit.OK, e.code);
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("[-z | -j | --snappy]"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains("[-e ENCRYPTION] destination_url server_name [wal_path]"),
                help);
        int aws = help.indexOf("Extra options for the aws-s3 cloud provider:");
        assertTrue(help.indexOf("  -z, --gzip            gzip-compress the WAL while uploading to the cloud") < aws);
        assertTrue(help.indexOf("  -e ENCRYPTION, --encryption ENCRYPTION\n") > aws, help);
        assertTrue(help.indexOf("  -P PROFILE, --profile PROFILE\n") > aws, help);
        for (String line : help.split("\n")) {
            assertTrue(line.length() <= 110, "wrapped: " + line);
        }
    }
}
