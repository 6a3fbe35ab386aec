package org.barmanj.core.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

/** A libpq {@code key=value} connection string ({@code conninfo}), parsed with libpq's quoting rules. */
public final class ConnInfo {
    private final Map<String, String> params;

    private ConnInfo(Map<String, String> params) {
        this.params = params;
    }

    /** Parses {@code host=pg1-srv user=barman dbname=postgres}; values may be single-quoted with {@code \} escapes. */
    public static ConnInfo parse(String conninfo) {
        Map<String, String> params = new LinkedHashMap<>();
        int i = 0;
        int n = conninfo.length();
        while (true) {
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = conninfo.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException("missing \"=\" after \"" + conninfo.substring(i)
                        + "\" in connection info string");
            }
            String key = conninfo.substring(i, eq).strip();
            i = eq + 1;
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && conninfo.charAt(i) == '\'') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted string in connection info string");
                    }
                    char c = conninfo.charAt(i++);
                    if (c == '\'') {
                        break;
                    }
                    if (c == '\\' && i < n) {
                        c = conninfo.charAt(i++);
                    }
                    value.append(c);
                }
            } else {
                while (i < n && !Character.isWhitespace(conninfo.charAt(i))) {
                    char c = conninfo.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = conninfo.charAt(i++);
                    }
                    value.append(c);
                }
            }
            params.put(key, value.toString());
        }
        return new ConnInfo(params);
    }

    public String get(String key) {
        return params.get(key);
    }

    public Map<String, String> params() {
        return params;
    }
}
