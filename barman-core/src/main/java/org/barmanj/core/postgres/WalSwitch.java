package org.barmanj.core.postgres;

/** {@code pg_switch_wal()} as Barman issues it, reporting which segment it closed. */
public final class WalSwitch {
    /** What happened. */
    public enum Outcome { SWITCHED, NOT_NEEDED, STANDBY }

    /** The outcome and, for {@code SWITCHED}, the segment closed. */
    public record Result(Outcome outcome, String closedWal) {
    }

    private WalSwitch() {
    }

    /** Switches to a new WAL segment; with {@code checkpoint}, issues {@code CHECKPOINT} first. */
    public static Result perform(PostgresConnection pg, boolean checkpoint) {
        if ("t".equals(pg.value("SELECT pg_is_in_recovery()"))) {
            return new Result(Outcome.STANDBY, null);
        }
        if (checkpoint) {
            pg.execute("CHECKPOINT");
        }
        String before = pg.value("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        pg.value("SELECT pg_walfile_name(pg_switch_wal())");
        String after = pg.value("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        return before.compareTo(after) < 0 ? new Result(Outcome.SWITCHED, before) : new Result(Outcome.NOT_NEEDED, null);
    }
}
