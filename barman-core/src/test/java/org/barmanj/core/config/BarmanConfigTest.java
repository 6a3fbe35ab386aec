package org.barmanj.core.config;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarmanConfigTest {
    static final String TUTORIAL_SERVER = """
            [demo]
            description =  "Example of Advanced Server (via Ssh)"
            ssh_command = ssh enterprisedb@pg1-srv
            conninfo = host=pg1-srv user=barman dbname=postgres
            backup_method = rsync
            backup_options = concurrent_backup
            reuse_backup = link
            archiver = on
            """;

    @TempDir
    Path dir;

    private BarmanConfig load(String global, String... serverFiles) throws IOException {
        Path d = dir.resolve("barman.d");
        Files.createDirectories(d);
        for (int i = 0; i < serverFiles.length; i++) {
            Files.writeString(d.resolve((char) ('a' + i) + ".conf"), serverFiles[i]);
        }
        Path main = dir.resolve("barman.conf");
        Files.writeString(main, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = barman\n"
                + "configuration_files_directory = " + d + "\n" + global);
        return BarmanConfig.load(main.toString(), Map.of(), dir.toString());
    }

    /** A server name that would put its folders outside barman_home, or read as an option, is not a server. */
    @ParameterizedTest
    @ValueSource(strings = {"../escape", "a/b", "..", ".", "-c"})
    void unusableServerNamesAreIgnored(String name) throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER, TUTORIAL_SERVER.replace("[demo]", "[" + name + "]"));
        assertEquals(List.of("Ignoring server [" + name + "] (" + dir + "/barman.d/b.conf): a server name must not "
                + "contain '/', start with '-' or be '.' or '..'"), config.warnings());
        assertEquals(Set.of("demo"), config.servers().keySet());
        assertFalse(Files.exists(dir.resolve("escape")));
    }

    @Test
    void tutorialServerGetsBarmanDefaults() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER);
        assertEquals(List.of(), config.warnings());
        ServerConfig demo = config.server("demo");
        assertEquals("Example of Advanced Server (via Ssh)", demo.description());
        assertEquals(dir + "/home/demo", demo.string(Option.BACKUP_DIRECTORY));
        assertEquals(dir + "/home/demo/base", demo.string(Option.BASEBACKUPS_DIRECTORY));
        assertEquals(dir + "/home/demo/wals", demo.string(Option.WALS_DIRECTORY));
        assertEquals("host=pg1-srv user=barman dbname=postgres", demo.string(Option.STREAMING_CONNINFO));
        assertEquals(Set.of("concurrent_backup"), demo.words(Option.BACKUP_OPTIONS));
        assertEquals("link", demo.string(Option.REUSE_BACKUP));
        assertTrue(demo.flag(Option.ARCHIVER));
        assertTrue(demo.active());
        assertFalse(demo.disabled());
        assertEquals(1, demo.integer(Option.PARALLEL_JOBS));
        assertEquals(30, demo.integer(Option.CHECK_TIMEOUT));
        assertNull(demo.retentionPolicy());
        assertEquals("barman", config.barmanUser());
        assertEquals(dir + "/home", config.lockDirectory());
    }

    @Test
    void globalValuesAreInheritedAndInterpolatedPerServer() throws IOException {
        BarmanConfig config = load("compression = gzip\npath_prefix = /opt/%(name)s/bin\n", TUTORIAL_SERVER,
                TUTORIAL_SERVER.replace("[demo]", "[other]").replace("reuse_backup = link", "path_prefix ="));
        assertEquals("gzip", config.server("demo").string(Option.COMPRESSION));
        assertEquals("/opt/demo/bin", config.server("demo").string(Option.PATH_PREFIX));
        assertNull(config.server("other").string(Option.PATH_PREFIX), "an empty value blocks inheritance");
    }

    @Test
    void serverOnlyOptionsAreNotInheritedFromBarmanSection() throws IOException {
        BarmanConfig config = load("description = global\n", TUTORIAL_SERVER.replace("description", "#"));
        assertNull(config.server("demo").description());
        assertTrue(config.warnings().isEmpty(), config.warnings().toString());
    }

    @Test
    void invalidValueFallsBackWithAWarningNamingFileOptionValueAndAllowedValues() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER.replace("backup_method = rsync", "backup_method = floppy"));
        assertEquals("rsync", config.server("demo").string(Option.BACKUP_METHOD));
        assertEquals(List.of("Ignoring invalid configuration value 'floppy' for key backup_method in [demo] section ("
                + dir + "/barman.d/a.conf line 5): allowed: 'rsync', 'postgres', 'local-rsync', 'snapshot'"),
                config.warnings());
    }

    @Test
    void invalidRetentionPolicyIsKeptForCheckToFail() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER + "retention_policy = FOREVER\n");
        ServerConfig demo = config.server("demo");
        assertNull(demo.retentionPolicy());
        assertEquals("FOREVER", demo.string(Option.RETENTION_POLICY));
        assertEquals(1, config.warnings().size());
        String w = config.warnings().get(0);
        assertTrue(w.startsWith("Invalid configuration value 'FOREVER' for key retention_policy in [demo] section ("
                + dir + "/barman.d/a.conf line 9): allowed: 'REDUNDANCY <n>' or 'RECOVERY WINDOW OF <n>"), w);
    }

    @Test
    void retentionPoliciesParseAndPrintLikeBarman() throws IOException {
        BarmanConfig config = load("retention_policy = recovery window of 4 week\n", TUTORIAL_SERVER,
                TUTORIAL_SERVER.replace("[demo]", "[two]") + "retention_policy = REDUNDANCY 2\n");
        assertEquals("RECOVERY WINDOW OF 4 WEEKS", config.server("demo").retentionPolicy().toString());
        assertEquals("REDUNDANCY 2", config.server("two").retentionPolicy().toString());
    }

    @Test
    void unknownOptionIsAWarningWithAHint() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER + "archiverr = on\n");
        assertEquals(List.of("Invalid configuration option \"archiverr\" in [demo] section (" + dir
                + "/barman.d/a.conf line 9): not a Barman option; did you mean \"archiver\"?"), config.warnings());
        assertFalse(config.server("demo").disabled());
    }

    @Test
    void inlineCommentMakesTheBooleanInvalidAsInBarman() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER.replace("archiver = on", "archiver = on # comment"));
        assertTrue(config.warnings().get(0).startsWith(
                "Ignoring invalid configuration value 'on # comment' for key archiver in [demo] section"));
    }

    @Test
    void syntaxErrorInOneFileDisablesItsServersOnly() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER,
                TUTORIAL_SERVER.replace("[demo]", "[broken]") + "garbage\n");
        assertFalse(config.server("demo").disabled());
        ServerConfig broken = config.server("broken");
        assertTrue(broken.disabled());
        assertEquals(List.of("syntax error in " + dir + "/barman.d/b.conf line 9: 'garbage': expected 'key = value'"
                + " or 'key: value'"), broken.problems());
    }

    @Test
    void sameServerInTwoFilesIsMergedWithAWarning() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER, "[demo]\ndescription = second\n");
        assertEquals("second", config.server("demo").description());
        assertEquals(1, config.warnings().size());
        assertTrue(config.warnings().get(0).startsWith("Server [demo] is defined in more than one file ("
                + dir + "/barman.d/a.conf, " + dir + "/barman.d/b.conf)"), config.warnings().get(0));
    }

    @Test
    void missingConninfoOrSshCommandDisablesTheServer() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER.replace("conninfo", "#"),
                TUTORIAL_SERVER.replace("[demo]", "[nossh]").replace("ssh_command", "#"));
        assertEquals(List.of("PostgreSQL connection: Missing 'conninfo' parameter for server 'demo'"),
                config.server("demo").problems());
        assertEquals(List.of("Missing or invalid ssh_command in barman configuration for server nossh"),
                config.server("nossh").problems());
    }

    @Test
    void badInterpolationDisablesTheServer() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER + "path_prefix = %(nosuch)s\n");
        assertTrue(config.server("demo").disabled());
        assertTrue(config.server("demo").problems().get(0).startsWith(
                "Invalid value '%(nosuch)s' for key path_prefix in [demo] section"));
    }

    @Test
    void noArchiverForcesTheFileArchiverWithBarmansWarnings() throws IOException {
        BarmanConfig config = load("", TUTORIAL_SERVER.replace("archiver = on", ""));
        assertTrue(config.server("demo").flag(Option.ARCHIVER));
        assertEquals(List.of("No archiver enabled for server 'demo'. Please turn on 'archiver', "
                + "'streaming_archiver' or both", "Forcing 'archiver = on'"), config.warnings());
    }

    @Test
    void fatalProblemsThrowOneLineErrors() throws IOException {
        BarmanException missing = assertThrows(BarmanException.class,
                () -> BarmanConfig.load(dir + "/nope.conf", Map.of(), dir.toString()));
        assertEquals(ErrorCode.CONFIG_NOT_FOUND, missing.code());
        assertEquals("Configuration file '" + dir + "/nope.conf' does not exist", missing.getMessage());

        BarmanException globalInFile = assertThrows(BarmanException.class,
                () -> load("", TUTORIAL_SERVER + "[barman]\nlog_level = DEBUG\n"));
        assertTrue(globalInFile.getMessage().startsWith("the configuration file a.conf contains a not empty [barman] section"));
        BarmanException sameValueInFile = assertThrows(BarmanException.class,
                () -> load("log_level = DEBUG\n", TUTORIAL_SERVER + "[barman]\nlog_level = DEBUG\n"));
        assertTrue(sameValueInFile.getMessage().startsWith("the configuration file a.conf contains a not empty [barman]"),
                "even when it repeats a global option with the same value");

        BarmanException all = assertThrows(BarmanException.class, () -> load("", TUTORIAL_SERVER.replace("[demo]", "[all]")));
        assertTrue(all.getMessage().startsWith("the reserved word 'all' is not allowed as server name"));

        Files.writeString(dir.resolve("nohome.conf"), "[barman]\nbarman_user = x\n");
        BarmanException noHome = assertThrows(BarmanException.class,
                () -> BarmanConfig.load(dir + "/nohome.conf", Map.of(), dir.toString()));
        assertEquals("Parameter \"barman_home\" is required in [barman] section of " + dir + "/nohome.conf",
                noHome.getMessage());

        Files.writeString(dir.resolve("bad.conf"), "[barman]\nbarman_home = /x\noops\n");
        BarmanException syntax = assertThrows(BarmanException.class,
                () -> BarmanConfig.load(dir + "/bad.conf", Map.of(), dir.toString()));
        assertEquals(ErrorCode.CONFIG_SYNTAX, syntax.code());
        assertEquals("syntax error in " + dir + "/bad.conf line 3: 'oops': expected 'key = value' or 'key: value'",
                syntax.getMessage());
    }

    @Test
    void defaultLocationsAndEnvironmentVariable() throws IOException {
        List<String> locations = List.of("~/.barman.conf", dir + "/etc/barman.conf");
        BarmanException none = assertThrows(BarmanException.class,
                () -> BarmanConfig.load(null, Map.of(), dir.toString(), locations));
        assertEquals(ErrorCode.CONFIG_NOT_FOUND, none.code());
        assertEquals("Could not find any configuration file at default locations (~/.barman.conf, " + dir
                + "/etc/barman.conf); give one with -c FILE", none.getMessage());
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/barman.conf"), "[barman]\nbarman_home = /srv/etc\n");
        assertEquals("/srv/etc", BarmanConfig.load(null, Map.of(), dir.toString(), locations).barmanHome());
        Files.writeString(dir.resolve(".barman.conf"), "[barman]\nbarman_home = /srv/b\n");
        assertEquals("/srv/b", BarmanConfig.load(null, Map.of(), dir.toString(), locations).barmanHome(),
                "~/.barman.conf comes first");
        Files.writeString(dir.resolve("env.conf"), "[barman]\nbarman_home = /srv/env\n");
        assertEquals("/srv/env", BarmanConfig.load(null, Map.of("BARMAN_CONFIG_FILE", dir + "/env.conf"),
                dir.toString(), locations).barmanHome());
    }

    @Test
    void conflictingPathsBetweenServersAreFatal() throws IOException {
        BarmanException e = assertThrows(BarmanException.class, () -> load("", TUTORIAL_SERVER,
                TUTORIAL_SERVER.replace("[demo]", "[copy]") + "backup_directory = " + dir + "/home/demo\n"));
        assertEquals("Conflicting path: backup_directory=" + dir + "/home/demo for server 'demo' (default) conflicts "
                + "with 'backup_directory' for server 'copy' (" + dir + "/barman.d/b.conf line 9)", e.getMessage());
    }
}
