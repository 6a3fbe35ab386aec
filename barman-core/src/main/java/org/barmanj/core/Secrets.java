package org.barmanj.core;

import java.util.regex.Pattern;

/**
 * Passwords in libpq connection strings, hidden before any text reaches a user (Barman's {@code redact_passwords},
 * which its console writer applies to every line): {@code password=VALUE} (quoted or not) and the password of a
 * {@code postgresql://user:password@} URI become {@code *REDACTED*}. A quoted value is redacted up to the last
 * quote of the text, as Barman does: more is hidden rather than less.
 */
public final class Secrets {
    // Barman's pattern stops an unquoted value at a double quote, which libpq takes as part of the value: the rest of
    // it was shown. Here it goes up to the next space or single quote.
    private static final Pattern KEYWORD = Pattern.compile("password=('('|[^'])+'|[^ ']*)");
    // Barman knows postgresql:// only; libpq also accepts postgres://.
    private static final Pattern URI = Pattern.compile("(?<=postgres(?:ql)?://)([^ :@]+:)([^ :@]+)?@");

    private Secrets() {
    }

    public static String redact(String text) {
        if (!text.contains("password=") && !text.contains("://")) {
            return text;
        }
        String keyword = KEYWORD.matcher(text).replaceAll("password=*REDACTED*");
        return URI.matcher(keyword).replaceAll("$1*REDACTED*@");
    }
}
