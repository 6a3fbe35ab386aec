package org.barmanj.core.server;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code barman recover} was asked for: the backup (id or alias), the destination, the remote ssh command
 * (null: this host), the recovery target (each null when not given), tablespace relocation rules
 * ({@code NAME:LOCATION}), and the choices that override the server's options when not null ({@code getWal},
 * {@code networkCompression}, the copy options, {@code recoveryStagingPath}). Values Barman refuses are refused here, before any server is
 * touched.
 */
public record RecoveryRequest(String backupId, String destination, String remoteSshCommand, boolean standbyMode,
                              String targetTime, String targetXid, String targetLsn, String targetName,
                              boolean targetImmediate, String targetTimeline, boolean exclusive, String targetAction,
                              List<String> tablespaceRules, Boolean getWal, Boolean networkCompression,
                              CopyOverrides copy, String recoveryStagingPath) {
    private static final List<String> ACTIONS = List.of("pause", "shutdown", "promote");

    public RecoveryRequest {
        if (targetAction != null && !ACTIONS.contains(targetAction)) {
            throw new BarmanException(ErrorCode.USAGE, "argument --target-action: invalid choice: '" + targetAction
                    + "' (choose from 'pause', 'shutdown', 'promote')");
        }
        tablespaceRules = tablespaceRules == null ? List.of() : List.copyOf(tablespaceRules);
        tablespaces(tablespaceRules);
    }

    /** The relocation rules as tablespace name to new location. */
    Map<String, String> tablespaces() {
        return tablespaces(tablespaceRules);
    }

    private static Map<String, String> tablespaces(List<String> rules) {
        Map<String, String> relocations = new LinkedHashMap<>();
        for (String rule : rules) {
            int colon = rule.indexOf(':');
            if (colon <= 0 || colon == rule.length() - 1) {
                throw new BarmanException(ErrorCode.RECOVERY_REFUSED, "Invalid tablespace relocation rule '" + rule
                        + "'\nHINT: The valid syntax for a relocation rule is NAME:LOCATION");
            }
            relocations.put(rule.substring(0, colon), rule.substring(colon + 1));
        }
        return relocations;
    }
}
