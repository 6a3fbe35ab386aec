package org.barmanj.core.check;

import java.util.List;

/**
 * One line of {@code barman check}: the check's name, whether it passed, its hint (may be null) and the lines
 * Barman prints under it ({@code details}, e.g. the reasons a server is disabled).
 */
public record CheckResult(String name, boolean ok, String hint, List<String> details) {
}
