package org.barmanj.cli.command;

import picocli.CommandLine.Option;

/** The copy options {@code backup} and {@code recover} share (a picocli mixin). */
final class CopyOptions {
    @Option(names = "--bwlimit", paramLabel = "KBPS", description = "maximum transfer rate in kilobytes per second. "
            + "A value of 0 means no limit. Overrides 'bandwidth_limit' configuration option.")
    Integer bwlimit;

    @Option(names = "--retry-times", description = "Number of retries after an error if the copy fails.")
    Integer retryTimes;

    @Option(names = "--no-retry", description = "Disable the copy retry logic.")
    boolean noRetry;

    @Option(names = "--retry-sleep", description = "Wait time after a failed copy, before retrying.")
    Integer retrySleep;

    @Option(names = {"-j", "--jobs"}, paramLabel = "PARALLEL_JOBS",
            description = "Run the copy in parallel using the given number of jobs")
    Integer jobs;

    /** Retries: none with {@code --no-retry}, else the command line's, else the configured ones. */
    int retryTimes(Integer configured) {
        return noRetry ? 0 : retryTimes != null ? retryTimes : configured == null ? 0 : configured;
    }

    int retrySleep(Integer configured) {
        return retrySleep != null ? retrySleep : configured == null ? 30 : configured;
    }
}
