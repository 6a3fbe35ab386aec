package org.barmanj.core.catalog;

/**
 * WAL statistics of a backup, as Barman's {@code show-backup} and {@code list-backups} compute them
 * from {@code xlog.db}: segments from {@code begin_wal} to {@code end_wal} ("WAL number"), and those after
 * it up to the next backup's {@code end_wal} ("WAL information").
 */
public record WalInfo(long walNum, long walSize, long untilNextNum, long untilNextSize, String first, String last,
                      double walsPerSecond, double walCompressionRatio, double untilNextCompressionRatio) {
}
