package org.barmanj.core.server;

import org.barmanj.core.check.CheckResult;

import java.util.List;

/**
 * {@code barman check} of one server: its checks in Barman's order, and the sizes Nagios gets as performance
 * data (the latest DONE backup, the WAL archived since).
 */
public record CheckReport(List<CheckResult> results, long lastBackupBytes, long walBytes) {
    public boolean failed() {
        return results.stream().anyMatch(r -> !r.ok());
    }
}
