package org.barmanj.core.server;

/**
 * The copy options a command line may give to {@code backup} and {@code recover}, each null when not given: then
 * the server's option applies ({@code parallel_jobs}, {@code bandwidth_limit}, {@code basebackup_retry_times},
 * {@code basebackup_retry_sleep}), else Barman's default.
 */
public record CopyOverrides(Integer jobs, Integer bwlimit, Integer retryTimes, Integer retrySleepSeconds) {
    int jobs(Integer configured) {
        return jobs != null ? jobs : configured == null ? 1 : configured;
    }

    Integer bwlimit(Integer configured) {
        return bwlimit != null ? bwlimit : configured;
    }

    int retryTimes(Integer configured) {
        return retryTimes != null ? retryTimes : configured == null ? 0 : configured;
    }

    int retrySleepSeconds(Integer configured) {
        return retrySleepSeconds != null ? retrySleepSeconds : configured == null ? 30 : configured;
    }
}
