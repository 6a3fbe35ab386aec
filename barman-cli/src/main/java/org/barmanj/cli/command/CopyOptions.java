package org.barmanj.cli.command;

import org.barmanj.core.server.CopyOverrides;
import picocli.CommandLine.Option;

/** The copy options {@code backup} and {@code recover} share (a picocli mixin). */
final class CopyOptions {
    @Option(names = "--bwlimit", paramLabel = "KBPS", description = "maximum transfer rate in kilobytes per second. "
            + "A value of 0 means no limit. Overrides 'bandwidth_limit' configuration option.")
    Integer bwlimit;

    @Option(names = "--retry-times", paramLabel = "RETRY_TIMES",
            description = "Number of retries after an error if the copy fails.")
    Integer retryTimes;

    @Option(names = "--no-retry", description = "Disable the copy retry logic.")
    boolean noRetry;

    @Option(names = "--retry-sleep", paramLabel = "RETRY_SLEEP",
            description = "Wait time after a failed copy, before retrying.")
    Integer retrySleep;

    @Option(names = {"-j", "--jobs"}, paramLabel = "PARALLEL_JOBS",
            description = "Run the copy in parallel using the given number of jobs")
    Integer jobs;

    /** What was given; {@code --no-retry} is no retries. */
    CopyOverrides overrides() {
        return new CopyOverrides(jobs, bwlimit, noRetry ? Integer.valueOf(0) : retryTimes, retrySleep);
    }
}
