package org.barmanj.cli;

import org.barmanj.cli.command.ArchiveWalCommand;
import org.barmanj.cli.command.BackupCommand;
import org.barmanj.cli.command.CheckBackupCommand;
import org.barmanj.cli.command.CheckCommand;
import org.barmanj.cli.command.CronCommand;
import org.barmanj.cli.command.DeleteCommand;
import org.barmanj.cli.command.DiagnoseCommand;
import org.barmanj.cli.command.GetWalCommand;
import org.barmanj.cli.command.KeepCommand;
import org.barmanj.cli.command.ListBackupsCommand;
import org.barmanj.cli.command.ListFilesCommand;
import org.barmanj.cli.command.ListServersCommand;
import org.barmanj.cli.command.PutWalCommand;
import org.barmanj.cli.command.RebuildXlogdbCommand;
import org.barmanj.cli.command.ReceiveWalCommand;
import org.barmanj.cli.command.RecoverCommand;
import org.barmanj.cli.command.DrillCommand;
import org.barmanj.cli.command.ReplicationStatusCommand;
import org.barmanj.cli.command.ShowBackupCommand;
import org.barmanj.cli.command.ShowServersCommand;
import org.barmanj.cli.command.StatusCommand;
import org.barmanj.cli.command.SwitchWalCommand;
import org.barmanj.cli.log.LogFile;
import org.barmanj.cli.log.LogLevel;
import org.barmanj.cli.log.PythonLogLayout;
import org.barmanj.cli.output.Output;
import org.barmanj.core.BarmanException;
import org.barmanj.core.BuildInfo;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Secrets;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.server.BarmanCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code barman} command: Barman's global options, then one subcommand. {@link #run} returns the exit
 * code so that every command can be run in-process by tests.
 */
@Command(name = "barman", versionProvider = BarmanCli.Version.class, sortOptions = false,
        subcommands = {ListServersCommand.class, ShowServersCommand.class, ListBackupsCommand.class,
                ShowBackupCommand.class, StatusCommand.class, PutWalCommand.class, ArchiveWalCommand.class,
                CronCommand.class, SwitchWalCommand.class, CheckCommand.class, GetWalCommand.class,
                RebuildXlogdbCommand.class, BackupCommand.class, RecoverCommand.class, DeleteCommand.class,
                KeepCommand.class, ListFilesCommand.class, CheckBackupCommand.class, DiagnoseCommand.class,
                ReplicationStatusCommand.class, ReceiveWalCommand.class, DrillCommand.class},
        description = "Backup and recovery manager for PostgreSQL, compatible with Barman.")
public final class BarmanCli {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help message and exit")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "show program's version number and exit")
    boolean version;

    @Option(names = {"-c", "--config"}, paramLabel = "CONFIG",
            description = "uses a configuration file (defaults: ~/.barman.conf, /etc/barman.conf, /etc/barman/barman.conf)")
    String configFile;

    @Option(names = {"--color", "--colour"}, paramLabel = "{never,always,auto}", defaultValue = "auto",
            description = "whether to use colors in the output")
    String color;

    @Option(names = "--log-level", paramLabel = "{NOTSET,DEBUG,INFO,WARNING,ERROR,CRITICAL}",
            description = "override the default log level")
    String logLevel;

    @Option(names = {"-q", "--quiet"}, description = "be quiet")
    boolean quiet;

    @Option(names = {"-d", "--debug"}, description = "debug output")
    boolean debug;

    @Option(names = {"-f", "--format"}, paramLabel = "{console,json}", defaultValue = "console",
            description = "output format")
    String format;

    /** Barman's exit code of an error: its code's, from the error catalog; 1 for anything unforeseen. */
    private static final CommandLine.IExitCodeExceptionMapper EXIT_CODES =
            e -> e instanceof BarmanException b ? b.code().exitCode() : 1;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Map<String, String> env;
    private final String launcher;
    private List<String> originalArgs = List.of();
    private LogFile log = LogFile.none();

    BarmanCli(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, String launcher) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.env = env;
        this.launcher = launcher;
    }

    public static void main(String[] args) {
        int code = run(System.out, System.err, System.in, System.getenv(), System.getProperty("barman.launcher"), args);
        System.exit(code);
    }

    /**
     * picocli's model of {@code barman} and every command, for what the build generates from it (the manual
     * page); nothing runs it.
     */
    public static CommandLine.Model.CommandSpec model() {
        return new CommandLine(new BarmanCli(null, null, null, Map.of(), null)).getCommandSpec();
    }

    /** Runs one command line with no standard input; returns its exit code. */
    public static int run(PrintStream out, PrintStream err, Map<String, String> env, String launcher,
                          String... args) {
        return run(out, err, InputStream.nullInputStream(), env, launcher, args);
    }

    /** Runs one command line; returns its exit code. */
    public static int run(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, String launcher,
                          String... args) {
        BarmanCli cli = new BarmanCli(out, err, in, env, launcher);
        cli.originalArgs = List.of(args);
        try {
            return cli.execute(args);
        } finally {
            cli.log.close();
        }
    }

    private int execute(String... args) {
        Integer putWal = putWalHotPath(args);
        if (putWal != null) {
            return putWal;
        }
        CommandLine commandLine = new CommandLine(this);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((e, a) -> {
            err.println("usage: " + e.getCommandLine().getCommandSpec().qualifiedName() + " -h");
            err.println(Secrets.redact(e.getCommandLine().getCommandSpec().qualifiedName() + ": error: "
                    + e.getMessage()));
            return ErrorCode.USAGE.exitCode();
        });
        commandLine.setExitCodeExceptionMapper(EXIT_CODES);
        commandLine.setExecutionExceptionHandler((e, c, p) -> {
            if (!(e instanceof BarmanException)) {
                // A BarmanException was reported by the session that caught it; anything else is a bug, whose
                // stack trace goes to the log only.
                err.println(Secrets.redact("EXCEPTION: " + e));
                log.error("EXCEPTION: " + e, e, true);
            }
            return c.getExitCodeExceptionMapper().getExitCode(e);
        });
        return commandLine.execute(args);
    }

    /** Loads the configuration and prepares the output and the log; returns null after reporting a fatal error. */
    Session open(List<String> problemsOut) {
        Output.Format fmt = switch (format) {
            case "console" -> Output.Format.CONSOLE;
            case "json" -> Output.Format.JSON;
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "argument -f/--format: invalid choice: '" + format + "' (choose from 'console', 'json')");
        };
        if (logLevel != null && !LogLevel.CHOICES.contains(logLevel)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "argument --log-level: invalid choice: '"
                    + logLevel + "' (choose from '" + String.join("', '", LogLevel.CHOICES) + "')");
        }
        BarmanConfig config;
        try {
            config = BarmanConfig.load(configFile, env, System.getProperty("user.home"));
        } catch (BarmanException e) {
            err.println(Secrets.redact("ERROR: " + e.getMessage()));
            problemsOut.add(e.getMessage());
            return null;
        }
        // As root the command runs again as barman_user, which logs: a log file created by root would be
        // unwritable to it.
        if (config.barmanUser().equals(System.getProperty("user.name"))) {
            log = openLog(config);
        }
        Output output = new Output(out, err, fmt, quiet, debug, log);
        for (String warning : config.warnings()) {
            output.warning(warning);
        }
        // Without a launcher (run in-process, as by the tests), the commands cron starts run in this process.
        BarmanCommand subcommands = launcher == null ? null : new BarmanCommand(launcher, config.configFile());
        return new Session(config, output, env, out, in, subcommands);
    }

    /** Barman's {@code configure_logging}: the level from {@code --log-level}, else {@code log_level}. */
    private LogFile openLog(BarmanConfig config) {
        String level = logLevel != null ? logLevel : config.logLevel();
        Integer threshold = LogLevel.parse(level);
        String file = config.logFile();
        LogFile opened = new LogFile(file == null || file.isEmpty() ? null : Path.of(file),
                threshold == null ? LogLevel.INFO : threshold, PythonLogLayout.BARMAN_FORMAT, err);
        if (threshold == null) {
            opened.logOnly(LogLevel.WARNING, "unknown log_level in config file: " + level);
        }
        if (opened.enabled(LogLevel.DEBUG)) {
            opened.logOnly(LogLevel.DEBUG, "Initialised barmanj " + BuildInfo.VERSION + " (Barman "
                    + BuildInfo.COMPAT_VERSION + ") (config: " + config.configFile() + ", args: " + originalArgs + ")");
        }
        return opened;
    }

    /**
     * Runs {@code body} in a session, as the configured {@code barman_user}: as root, the command is run
     * again through {@code runuser}; as anyone else, Barman's refusal. A {@link BarmanException} that ends the
     * body is reported in the session's output, which is closed, and thrown on for its exit code.
     */
    public int inSession(java.util.function.ToIntFunction<Session> body) {
        List<String> problems = new ArrayList<>();
        Session session = open(problems);
        if (session == null) {
            return 1;
        }
        String user = System.getProperty("user.name");
        String wanted = session.config().barmanUser();
        if (!wanted.equals(user)) {
            if (user.equals("root") && launcher != null) {
                return asUser(wanted);
            }
            err.println("ERROR: please run barman as '" + wanted + "' user");
            return 1;
        }
        try {
            int code = body.applyAsInt(session);
            return Math.max(code, session.output().close());
        } catch (BarmanException e) {
            session.output().error(e);
            session.output().close();
            throw e;
        }
    }

    private int asUser(String user) {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", user, "--", launcher));
        command.addAll(originalArgs);
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            err.println(Secrets.redact("ERROR: the configured user '" + user + "' cannot be switched to: "
                    + e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * {@code [-c CONFIG] [-q] [-d] put-wal [-t] SERVER}, the command barman-wal-archive runs for every WAL
     * file, runs without building picocli's model of every command. Anything else returns null.
     */
    private Integer putWalHotPath(String[] args) {
        // Parsed into locals: picocli takes the fields' current values as their defaults.
        String config = null;
        boolean beQuiet = false;
        boolean beVerbose = false;
        int i = 0;
        for (; i < args.length && !args[i].equals("put-wal"); i++) {
            String a = args[i];
            if ((a.equals("-c") || a.equals("--config")) && i + 1 < args.length) {
                config = args[++i];
            } else if (a.startsWith("--config=")) {
                config = a.substring("--config=".length());
            } else if (a.equals("-q") || a.equals("--quiet")) {
                beQuiet = true;
            } else if (a.equals("-d") || a.equals("--debug")) {
                beVerbose = true;
            } else {
                return null;
            }
        }
        String server = null;
        boolean test = false;
        for (int j = i + 1; j < args.length; j++) {
            if (args[j].equals("-t") || args[j].equals("--test")) {
                test = true;
            } else if (server == null && !args[j].startsWith("-")) {
                server = args[j];
            } else {
                return null;
            }
        }
        if (i == args.length || server == null) {
            return null;
        }
        configFile = config;
        quiet = beQuiet;
        debug = beVerbose;
        format = "console";
        String name = server;
        boolean testOnly = test;
        try {
            return inSession(session -> PutWalCommand.receive(session, name, testOnly));
        } catch (BarmanException e) {
            return EXIT_CODES.getExitCode(e);
        } catch (RuntimeException e) {
            // A bug, reported as on picocli's path: one line, not a stack trace (that goes to the log).
            err.println(Secrets.redact("EXCEPTION: " + e));
            log.error("EXCEPTION: " + e, e, true);
            return 1;
        }
    }

    /** Prints our version the way Barman does: the Barman version we are compatible with comes first. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.COMPAT_VERSION + " barmanj " + BuildInfo.VERSION
                    + " (Barman-compatible backup manager)"};
        }
    }
}
