package org.barmanj.cli.log;

import java.util.Map;
import java.util.Optional;

/**
 * The logger name ({@code %(name)s}) of a record. Barman logs every message under the Python module that
 * emitted it ({@code barman.cli}, {@code barman.server}, {@code barman.wal_archiver}, {@code barman.backup}, ...),
 * and operators grep their log for those names; so a message is named after the Barman module that does what
 * the emitting class does, the classes of the command line being {@code barman.cli}. A class with no Barman
 * counterpart is named after its package, {@code barman.<package>}.
 */
final class LoggerNames {
    /** Classes whose Barman counterpart is not their package's. */
    private static final Map<String, String> BY_CLASS = Map.ofEntries(
            Map.entry("org.barmanj.core.wal.Archiver", "barman.wal_archiver"),
            Map.entry("org.barmanj.core.backup.RsyncBackupMethod", "barman.backup_executor"),
            Map.entry("org.barmanj.core.backup.ConcurrentBackupStrategy", "barman.backup_executor"),
            Map.entry("org.barmanj.core.backup.RsyncCopy", "barman.copy_controller"),
            Map.entry("org.barmanj.core.backup.CopyPlan", "barman.copy_controller"),
            Map.entry("org.barmanj.core.backup.EarlySync", "barman.copy_controller"));

    /** Packages and the Barman module doing their work. */
    private static final Map<String, String> BY_PACKAGE = Map.ofEntries(
            Map.entry("org.barmanj.core.server", "barman.server"),
            // Barman's put_wal, get_wal and checks are Server methods.
            Map.entry("org.barmanj.core.wal", "barman.server"),
            Map.entry("org.barmanj.core.check", "barman.server"),
            Map.entry("org.barmanj.core.backup", "barman.backup"),
            // Barman's BackupManager owns the catalog: the available backups, rebuild_xlogdb, delete.
            Map.entry("org.barmanj.core.catalog", "barman.backup"),
            // Barman's BackupManager deletes backups and their WAL and enforces retention (barman.retention_policies
            // only computes the statuses, and says nothing).
            Map.entry("org.barmanj.core.retention", "barman.backup"),
            Map.entry("org.barmanj.core.recovery", "barman.recovery_executor"),
            Map.entry("org.barmanj.core.remote", "barman.command_wrappers"),
            Map.entry("org.barmanj.core.lock", "barman.lockfile"),
            Map.entry("org.barmanj.core.process", "barman.command_wrappers"),
            Map.entry("org.barmanj.core.fs", "barman.utils"),
            Map.entry("org.barmanj.core.compat", "barman.utils"));

    private static final StackWalker STACK = StackWalker.getInstance();

    private LoggerNames() {
    }

    /** The name of the class that called the event seam, found on the current thread's stack. */
    static String ofCaller() {
        Optional<String> caller = STACK.walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                .filter(c -> !c.startsWith("org.barmanj.cli.log.") && !c.startsWith("org.barmanj.cli.output.")
                        && !c.startsWith("java.") && !c.startsWith("jdk."))
                .findFirst());
        return caller.map(LoggerNames::of).orElse("barman");
    }

    /** The logger name of a class (an inner class is its outer one's). */
    static String of(String className) {
        String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        String byClass = BY_CLASS.get(outer);
        if (byClass != null) {
            return byClass;
        }
        if (outer.startsWith("org.barmanj.cli.") || outer.equals("org.barmanj.cli")) {
            return "barman.cli";
        }
        String pkg = outer.contains(".") ? outer.substring(0, outer.lastIndexOf('.')) : "";
        String byPackage = BY_PACKAGE.get(pkg);
        if (byPackage != null) {
            return byPackage;
        }
        return pkg.startsWith("org.barmanj.") ? "barman." + pkg.substring(pkg.lastIndexOf('.') + 1) : "barman";
    }
}
