package org.barmanj.core.catalog;

import org.barmanj.core.compat.PyLiteral;

/**
 * One line of {@code xlog.db}: the archived file, its stored size, its modification time (epoch seconds,
 * kept as the exact text Barman wrote) and its compression; {@code encryption} is present only in
 * the 5-column dialect of Barman 3.13 and later (null otherwise).
 */
public record WalFileEntry(String name, long size, String time, String compression, String encryption,
                           boolean fiveColumns) {

    /** The entry for a stored file: its size, and its mtime as Python's {@code os.stat().st_mtime} prints. */
    public static WalFileEntry of(String name, java.nio.file.Path stored, String compression, boolean fiveColumns)
            throws java.io.IOException {
        java.time.Instant mtime = java.nio.file.Files.getLastModifiedTime(stored).toInstant();
        double seconds = mtime.getEpochSecond() + mtime.getNano() * 1e-9;
        return new WalFileEntry(name, java.nio.file.Files.size(stored), PyLiteral.reprFloat(seconds), compression,
                null, fiveColumns);
    }

    public double timeSeconds() {
        return Double.parseDouble(time);
    }

    /** The line as Barman writes it, with its newline. */
    public String line() {
        String base = name + "\t" + size + "\t" + time + "\t" + (compression == null ? "None" : compression);
        return (fiveColumns ? base + "\t" + (encryption == null ? "None" : encryption) : base) + "\n";
    }
}
