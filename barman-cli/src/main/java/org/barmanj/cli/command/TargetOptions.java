package org.barmanj.cli.command;

import picocli.CommandLine.Option;

/** The recovery target options of {@code recover}, shared with {@code drill} (a picocli mixin). */
final class TargetOptions {
    @Option(names = "--target-tli", paramLabel = "TARGET_TLI", description = "target timeline")
    String targetTli;

    @Option(names = "--target-time", paramLabel = "TARGET_TIME",
            description = "target time. You can use any valid unambiguous representation (e.g: \"YYYY-MM-DD HH:MM:SS.mmm\")")
    String targetTime;

    @Option(names = "--target-xid", paramLabel = "TARGET_XID", description = "target transaction ID")
    String targetXid;

    @Option(names = "--target-lsn", paramLabel = "TARGET_LSN", description = "target LSN (Log Sequence Number)")
    String targetLsn;

    @Option(names = "--target-name", paramLabel = "TARGET_NAME",
            description = "target name created previously with pg_create_restore_point() function call")
    String targetName;

    @Option(names = "--target-immediate", description = "end recovery as soon as a consistent state is reached")
    boolean targetImmediate;

    @Option(names = "--exclusive", description = "set target to be non inclusive")
    boolean exclusive;
}
