package org.barmanj.core.check;

import java.util.List;

/**
 * One line of {@code barman check}: the check's name, whether it passed, its hint (may be null), the lines
 * Barman prints under it ({@code details}, e.g. the reasons a server is disabled), and whether its failure stops a
 * backup (Barman's non-critical checks, such as {@code backup maximum age}, do not).
 */
public record CheckResult(String name, boolean ok, String hint, List<String> details, boolean critical) {
    /** A failure that stops a backup. */
    public boolean blocksBackup() {
        return !ok && critical;
    }
}
