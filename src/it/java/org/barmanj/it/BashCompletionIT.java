package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bash completion script that {@code mvn package} writes (dist/share/bash-completion/completions/barman), run by a
 * real bash as the line editor would: the script sourced, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set for a
 * command line split as readline splits it, the function registered for {@code barman} called, COMPREPLY printed.
 * The server names and backup ids come from our installed barman ({@code /opt/barmanj/bin} first on PATH) reading a
 * configuration with two servers, {@code demo} with a synthetic catalog and {@code other} with none.
 */
class BashCompletionIT {
    private static final Path TOP = Path.of(System.getProperty("barman.top", "../.."));
    private static final Path DIST_SCRIPT = TOP.resolve("barman-cli/target/dist/share/bash-completion/completions/barman");
    private static final Path INSTALLED_SCRIPT = Path.of("/usr/local/share/bash-completion/completions/barman");
    private static final String PATH = Lab.BIN + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    private static final List<String> ALIASES = List.of("latest", "last", "oldest", "first", "last-failed");
    /** What picocli's functions print when they call compopt outside a real completion (ours are silenced). */
    private static final String COMPOPT_OUTSIDE = "compopt: not currently executing completion function";

    /**
     * Sources the script, finds the function {@code complete -p barman} names and calls it as bash would:
     * arguments SCRIPT CWORD WORD..., the line in $LINE.
     */
    private static final String DRIVER = """
            script=$1 cword=$2
            shift 2
            . "$script" || exit 90
            spec=$(complete -p barman) || exit 91
            [[ $spec =~ -F\\ ([^ ]+) ]] || exit 92
            fn=${BASH_REMATCH[1]}
            COMP_WORDS=("$@")
            COMP_CWORD=$cword
            COMP_LINE=$LINE
            COMP_POINT=${#LINE}
            COMPREPLY=()
            "$fn" barman "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            (( ${#COMPREPLY[@]} )) && printf '%s\\n' "${COMPREPLY[@]}"
            exit 0
            """;

    private static BarmanHome home;
    private static String conf;
    private static List<String> demoIds;

    @BeforeAll
    static void twoServers() throws IOException {
        assertTrue(Files.exists(Lab.BARMAN), "install.sh did not install " + Lab.BARMAN);
        home = new BarmanHome("completion");
        conf = home.conf.toString();
        Files.writeString(home.root.resolve("barman.d/demo.conf"), """
                [demo]
                description = "with backups"
                conninfo = host=pg1-srv user=barman dbname=postgres port=1
                ssh_command = ssh enterprisedb@pg1-srv
                archiver = on
                """);
        Files.writeString(home.root.resolve("barman.d/other.conf"), """
                [other]
                description = "without backups"
                conninfo = host=pg2-srv user=barman dbname=postgres port=1
                backup_method = postgres
                streaming_conninfo = host=pg2-srv user=barman dbname=postgres port=1
                streaming_archiver = on
                slot_name = barman
                """);
        Instant start = Instant.parse("2026-03-01T10:00:00Z");
        SyntheticCatalog catalog = new SyntheticCatalog(home.root.resolve(SyntheticCatalog.SERVER), start)
                .wal(2).backup(start.plusSeconds(3_600)).wal(2).backup(start.plusSeconds(90_000)).wal(1)
                .failedBackup(start.plusSeconds(180_000));
        catalog.finish();
        demoIds = catalog.ids();
        assertEquals(3, demoIds.size());
        home.ownedByBarman();
        // What the completion relies on: barman itself lists these.
        assertEquals("demo\nother\n", home.barman("list-servers", "--minimal").ok().out());
        assertEquals(String.join("\n", newestFirst()) + "\n",
                home.barman("list-backups", "demo", "--minimal").ok().out());
    }

    @AfterAll
    static void cleanUp() {
        if (home != null) {
            home.delete();
        }
    }

    /** The words readline makes of {@code line} (spaces and '=' break words; '=' is a word of its own). */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        for (String token : line.split(" ", -1)) {
            Matcher m = Pattern.compile("[^=]+|=").matcher(token);
            boolean any = false;
            while (m.find()) {
                words.add(m.group());
                any = true;
            }
            if (!any) {
                words.add("");
            }
        }
        return words;
    }

    /** What {@code line<TAB>} offers with the dist script, as root, with {@code env} added. */
    private static List<String> complete(String line, Map<String, String> env) {
        return complete(List.of(), DIST_SCRIPT, line, env);
    }

    private static List<String> complete(String line) {
        return complete(line, Map.of());
    }

    private static List<String> complete(List<String> asUser, Path script, String line, Map<String, String> env) {
        List<String> command = new ArrayList<>(asUser);
        command.addAll(List.of("env", "-i", "PATH=" + PATH, "HOME=/nonexistent", "LINE=" + line));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(List.of("bash", "--norc", "--noprofile", "-c", DRIVER, "completion", script.toString()));
        List<String> words = words(line);
        command.add(String.valueOf(words.size() - 1));
        command.addAll(words);
        Proc run = Proc.run(command).ok();
        for (String err : run.err().lines().toList()) {
            assertTrue(err.contains(COMPOPT_OUTSIDE), "unexpected stderr for '" + line + "': " + run.err());
        }
        return run.out().lines().toList();
    }

    private static Set<String> set(List<String> words) {
        return new TreeSet<>(words);
    }

    private static Set<String> set(String... words) {
        return new TreeSet<>(List.of(words));
    }

    /** The commands and aliases {@code barman -h} lists. */
    private static Set<String> helpCommands() {
        String help = Proc.run(Lab.BARMAN.toString(), "-h").ok().out();
        Set<String> commands = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^  ([a-z][a-z-]*(?:, [a-z][a-z-]*)*)  ").matcher(
                help.substring(help.indexOf("\nCommands:\n")));
        while (m.find()) {
            commands.addAll(List.of(m.group(1).split(", ")));
        }
        assertTrue(commands.containsAll(Set.of("backup", "show-backup", "recover", "restore", "list-servers", "drill")),
                commands.toString());
        return commands;
    }

    private static List<String> newestFirst() {
        List<String> ids = new ArrayList<>(demoIds);
        java.util.Collections.reverse(ids);
        return ids;
    }

    private static List<String> newestFirstWithAliases() {
        List<String> all = newestFirst();
        all.addAll(ALIASES);
        return all;
    }

    @Test
    void commandsAndOptionsFromTheModel() {
        assertEquals(helpCommands(), set(complete("barman ")));
        assertEquals(List.of("backup"), complete("barman ba"));
        assertEquals(set("show-backup", "show-backups", "show-server", "show-servers"), set(complete("barman sho")));
        assertEquals(set("--config", "--color", "--colour"), set(complete("barman --co")));
        // The same as Barman 3.4's 'barman backup -h' lists.
        assertEquals(set("--retry-sleep", "--retry-times", "--reuse-backup"),
                set(complete("barman -c " + conf + " backup --re")));
        assertEquals(set("never", "always", "auto"), set(complete("barman --color ")));
        assertEquals(List.of("json"), complete("barman -f j"));
        assertEquals(set("full", "standalone"), set(complete("barman -c " + conf + " keep --target ")));
        assertEquals(set("copy", "link", "off"), set(complete("barman -c " + conf + " backup --reuse-backup=")));
    }

    @Test
    void serverNames() {
        // Commands on several servers: Barman's 'all' while none is given, then the servers not given yet.
        assertEquals(List.of("all", "demo", "other"), complete("barman -c " + conf + " backup "));
        assertEquals(List.of("other"), complete("barman -c " + conf + " backup demo "));
        assertEquals(List.of(), complete("barman -c " + conf + " check demo other "));
        assertEquals(List.of("other"), complete("barman -q -c " + conf + " check o"));
        for (String command : List.of("list-backups", "status", "show-servers", "switch-wal", "rebuild-xlogdb",
                "replication-status")) {
            assertEquals(List.of("all", "demo", "other"), complete("barman -c " + conf + " " + command + " "), command);
        }
        // Commands on one server: no 'all'.
        for (String command : List.of("show-backup", "delete", "keep", "list-files", "check-backup", "recover",
                "get-wal", "archive-wal", "receive-wal", "put-wal", "drill")) {
            assertEquals(List.of("demo", "other"), complete("barman -c " + conf + " " + command + " "), command);
        }
        // An option's value is no server name; a value-less --reuse-backup takes none.
        assertEquals(List.of("all", "demo", "other"),
                complete("barman -c " + conf + " backup --reuse-backup link --retry-times 3 "));
        assertEquals(List.of("all", "demo", "other"),
                complete("barman -c " + conf + " backup --reuse-backup --immediate-checkpoint "));
        assertEquals(List.of("demo", "other"), complete("barman -c " + conf + " recover --target-tli 2 "));
        // A server position beyond the parameters: picocli's completion (nothing for show-backup's third word).
        assertEquals(List.of(), complete("barman -c " + conf + " show-backup demo latest "));
    }

    @Test
    void backupIdsOfTheServerGiven() {
        List<String> expected = newestFirstWithAliases();
        // Every backup, the failed one too (show-backup and delete take it); Barman 3.4 offers the finished ones.
        assertEquals(expected, complete("barman -c " + conf + " show-backup demo "));
        for (String command : List.of("delete", "keep", "list-files", "check-backup", "recover", "drill")) {
            assertEquals(expected, complete("barman -c " + conf + " " + command + " demo "), command);
        }
        assertEquals(List.of(demoIds.get(0)), complete("barman -c " + conf + " show-backup demo " + demoIds.get(0)));
        assertEquals(List.of("latest", "last", "last-failed"), complete("barman -c " + conf + " delete demo la"));
        // No backups, no aliases (as Barman).
        assertEquals(List.of(), complete("barman -c " + conf + " show-backup other "));
        assertEquals(List.of(), complete("barman -c " + conf + " show-backup nosuch "));
        // Options before the server, --config= split by readline, a quoted configuration path.
        assertEquals(expected, complete("barman --config=" + conf + " keep --release demo "));
        assertEquals(expected, complete("barman -c '" + conf + "' recover --target-tli 2 --get-wal demo "));
        // recover's destination: directories.
        List<String> dirs = complete("barman -c " + conf + " recover demo latest " + home.root + "/barman");
        assertEquals(List.of(home.root + "/barman.d"), dirs);
    }

    @Test
    void configurationFromTheEnvironment() {
        // Ours reads BARMAN_CONFIG_FILE as Barman does; the completion runs barman with the shell's environment.
        assertEquals(List.of("all", "demo", "other"), complete("barman backup ", Map.of("BARMAN_CONFIG_FILE", conf)));
        assertEquals(newestFirstWithAliases(), complete("barman show-backup demo ", Map.of("BARMAN_CONFIG_FILE", conf)));
    }

    @Test
    void aBrokenConfigurationCompletesNothingAndDoesNotHang() throws IOException {
        Path broken = home.root.resolve("broken.conf");
        Files.writeString(broken, "[barman\nbarman_home = " + home.root + "\n");
        assertEquals(List.of(), complete("barman -c " + broken + " backup "));
        assertEquals(List.of(), complete("barman -c " + home.root.resolve("missing.conf") + " show-backup demo "));
        // A configuration that never ends (a FIFO nobody writes): barman blocks reading it, the completion gives up.
        Path fifo = home.root.resolve("fifo.conf");
        Proc.run("mkfifo", fifo.toString()).ok();
        long started = System.nanoTime();
        assertEquals(List.of(), complete("barman -c " + fifo + " backup "));
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertTrue(seconds < 15, "took " + seconds + " s");
        List<String> left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(fifo.toString()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
        assertEquals(List.of(), left);
    }

    @Test
    void installedForTheBarmanUserBesideDebiansFile() throws IOException {
        // install.sh (run by Lab) put the same script beside the launchers in /usr/local; Debian's own file for its
        // barman, in /usr/share, is left as its package has it.
        assertEquals(-1L, Files.mismatch(DIST_SCRIPT, INSTALLED_SCRIPT));
        Path debian = Path.of("/usr/share/bash-completion/completions/barman");
        if (Files.exists(debian)) {
            assertTrue(Files.readString(debian).contains("register-python-argcomplete"), "Debian's file changed");
        }
        // The barman user at the prompt: barman runs directly (as root it ran again through runuser).
        List<String> asBarman = List.of("runuser", "-u", "barman", "--");
        assertEquals(List.of("demo", "other"),
                complete(asBarman, INSTALLED_SCRIPT, "barman -c " + conf + " show-backup ", Map.of()));
        assertEquals(newestFirstWithAliases(),
                complete(asBarman, INSTALLED_SCRIPT, "barman -c " + conf + " show-backup demo ", Map.of()));
        // Another user is refused by barman (as by Barman): nothing to offer, and no error on the terminal.
        assertEquals(List.of(), complete(List.of("runuser", "-u", "enterprisedb", "--"), INSTALLED_SCRIPT,
                "barman -c " + conf + " show-backup ", Map.of()));
    }
}
