package org.barmanj.core.check;

/** One line of {@code barman check}: the check's name, whether it passed and its hint (may be null). */
public record CheckResult(String name, boolean ok, String hint) {
    /** Checks whose failure does not stop {@code barman backup} (Barman's non-critical list). */
    public boolean critical() {
        return !switch (name) {
            case "minimum redundancy requirements", "backup maximum age", "backup minimum size", "failed backups",
                 "archiver errors", "empty incoming directory", "empty streaming directory",
                 "incoming WALs directory", "streaming WALs directory", "wal maximum age" -> true;
            default -> false;
        };
    }
}
