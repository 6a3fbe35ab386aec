package org.barmanj.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables the completion script takes from our command model (what BashCompletionIT drives through bash against
 * a real barman), and the generator's refusal of a parameter it would not know how to complete.
 */
class BashCompletionTest {
    private static String script() throws IOException {
        return BashCompletion.script(BashCompletion.model());
    }

    /** The lines of {@code _barmanj_command}'s case for {@code names}. */
    private static String entry(String script, String names) {
        Matcher m = Pattern.compile("\n    " + Pattern.quote(names) + "\\)\n((?:      .*\n)+?)      _barmanj_repeat=\\d ;;")
                .matcher(script);
        assertTrue(m.find(), "no entry for " + names);
        return m.group(0);
    }

    @Test
    void everySubcommandIsDescribedWithTheRolesOfItsParameters() throws IOException {
        String s = script();
        assertTrue(entry(s, "show-backup|show-backups").contains("_barmanj_fn=_picocli_barman_showbackup\n"));
        assertTrue(entry(s, "show-backup|show-backups").contains("_barmanj_roles=(server backup)\n"));
        assertTrue(entry(s, "recover|restore").contains("_barmanj_roles=(server backup directory)\n"));
        assertTrue(entry(s, "drill").contains("_barmanj_roles=(server backup)\n"));
        for (String many : new String[] {"backup", "check", "list-backups|list-backup", "status",
                "show-servers|show-server", "switch-wal|switch-xlog", "rebuild-xlogdb", "replication-status"}) {
            String e = entry(s, many);
            assertTrue(e.contains("_barmanj_roles=(servers)\n") && e.endsWith("_barmanj_repeat=1 ;;"), e);
        }
        for (String one : new String[] {"put-wal", "archive-wal", "receive-wal"}) {
            assertTrue(entry(s, one).contains("_barmanj_roles=(server)\n"), one);
        }
        assertTrue(entry(s, "get-wal").contains("_barmanj_roles=(server -)\n"));
        assertTrue(entry(s, "cron").contains("_barmanj_roles=()\n"));
        // --reuse-backup's value is optional: the scan must not take a server name after it for granted.
        assertTrue(entry(s, "backup").contains("_barmanj_optional_opts='--reuse-backup'\n"));
        assertTrue(entry(s, "get-wal").contains("_barmanj_value_opts='-o --output-directory -p --peek'\n"));
        for (String sub : BashCompletion.model().getSubcommands().keySet()) {
            assertTrue(s.contains("\n    " + sub + "|") || s.contains("|" + sub + ")\n") || s.contains("\n    " + sub
                    + ")\n"), "subcommand " + sub + " not described");
        }
    }

    @Test
    void globalOptionsAndChoicesComeFromTheModel() throws IOException {
        String s = script();
        assertTrue(s.contains("\n_barmanj_config_opts='-c --config'\n"));
        assertTrue(s.contains("\n_barmanj_global_value_opts='-c --config --color --colour --log-level -f --format'\n"));
        assertTrue(s.contains("' --color'|' --colour')\n      _barmanj_words=('never' 'always' 'auto') ;;"));
        assertTrue(s.contains("'keep --target')\n      _barmanj_words=('full' 'standalone') ;;"));
        assertTrue(s.contains("'list-files --target')\n      _barmanj_words=('standalone' 'data' 'wal' 'full') ;;"));
        assertTrue(s.contains("'backup --reuse-backup')\n      _barmanj_words=('copy' 'link' 'off') ;;"));
        assertTrue(s.contains("\n_barmanj_backup_aliases=('latest' 'last' 'oldest' 'first' 'last-failed')\n"));
    }

    @Test
    void oursReplacesPicoclisRegistration() throws IOException, InterruptedException {
        String s = script();
        assertFalse(s.contains("complete -F _complete_barman"));
        assertTrue(s.endsWith("\ncomplete -F _barmanj_complete -o default barman\n"));
        assertTrue(s.contains("\nfunction _picocli_barman() {\n"));
        Path file = Files.createTempFile("barman-completion", ".bash");
        try {
            Files.writeString(file, s, StandardCharsets.UTF_8);
            Process bash = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
            String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, bash.waitFor(), out);
        } finally {
            Files.delete(file);
        }
    }

    @Command(name = "barman", subcommands = Unknown.class)
    static final class WithUnknownParameter {
    }

    @Command(name = "frobnicate")
    static final class Unknown {
        @Parameters(index = "0", paramLabel = "SERVER_NAME")
        String server;

        @Parameters(index = "1", paramLabel = "WIDGET")
        String widget;
    }

    @Command(name = "barman", subcommands = Unknown.class)
    static final class Top {
        @picocli.CommandLine.Option(names = {"-c", "--config"})
        String config;
    }

    @Test
    void aParameterOfUnknownMeaningStopsTheBuild() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BashCompletion.script(new CommandLine(new Top())));
        assertTrue(e.getMessage().contains("frobnicate: positional parameter WIDGET"), e.getMessage());
        IllegalStateException noConfig = assertThrows(IllegalStateException.class,
                () -> BashCompletion.script(new CommandLine(new WithUnknownParameter())));
        assertTrue(noConfig.getMessage().contains("-c/--config"), noConfig.getMessage());
    }
}
