package org.barmanj.core.server;

/**
 * What {@code barman drill} asked for: the backup (an id or an alias), the recovery target as {@code recover}'s
 * options give it, whether to keep the scratch folder, the ssh command of the host to drill on (null: this one).
 * {@code standbyMode} is refused: a drill ends its recovery.
 */
public record DrillRequest(String backupId, String targetTime, String targetXid, String targetLsn, String targetName,
                           boolean targetImmediate, String targetTimeline, boolean exclusive, boolean standbyMode,
                           boolean keep, String remoteSshCommand) {
}
