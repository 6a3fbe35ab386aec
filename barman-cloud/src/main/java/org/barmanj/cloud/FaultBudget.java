package org.barmanj.cloud;

import java.time.Duration;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

/**
 * How long an S3 call may take when the server stops answering. The HTTP client's socket timeout
 * ({@code --read-timeout}, 60 s) bounds a wait for an answer, but not a write: a server that stopped reading (a
 * frozen process, a dead peer behind a live kernel) leaves an upload blocked in its write for ever. So every call
 * that sends a body gets an attempt timeout of the read timeout plus 16 s per MiB of body (a link below 64 KiB/s
 * per upload fails instead of hanging: a slow office uplink shared by -J workers still passes, a frozen server
 * is noticed after 3 attempts of 380 s for a 20 MiB part); the SDK's retry strategy makes at most 3 attempts. Boto3, which Barman 3.4
 * uses, bounds each socket write by its read timeout and makes 5 attempts.
 *
 * <p>The calls made once a backup is lost to a network failure (aborting its uploads, its FAILED backup.info) get
 * {@link #AFTER_FAILURE} in all, retries included: what they leave behind, the next barman-cloud-backup of the
 * server cleans ({@link StaleUploads}).
 */
final class FaultBudget {
    /** The whole time, retries included, of one clean-up call made after a network failure. */
    static final Duration AFTER_FAILURE = Duration.ofSeconds(10);
    /** The slowest upload accepted: 64 KiB/s, 16 s per MiB. */
    static final long MIN_BYTES_PER_SECOND = 64 << 10;

    private FaultBudget() {}

    /** The request override that bounds a clean-up call to {@link #AFTER_FAILURE}. */
    static AwsRequestOverrideConfiguration afterFailure() {
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(AFTER_FAILURE).build();
    }

    /** The attempt timeout of a call sending {@code bytes}: the read timeout plus 16 s per MiB. */
    static Duration attempt(int readTimeoutSeconds, long bytes) {
        return Duration.ofSeconds(readTimeoutSeconds).plusMillis(bytes * 1000 / MIN_BYTES_PER_SECOND);
    }

    /** The request override carrying {@link #attempt}. */
    static AwsRequestOverrideConfiguration forBody(int readTimeoutSeconds, long bytes) {
        return AwsRequestOverrideConfiguration.builder()
                .apiCallAttemptTimeout(attempt(readTimeoutSeconds, bytes)).build();
    }
}
