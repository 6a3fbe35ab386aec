package org.barmanj.core.check;

/** One line of {@code barman check}: the check's name, whether it passed and its hint (may be null). */
public record CheckResult(String name, boolean ok, String hint) {
}
