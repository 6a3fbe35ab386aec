package org.barmanj.core.recovery;

import java.util.ArrayList;
import java.util.List;

/** The recovery settings Barman appends to {@code postgresql.auto.conf} (PostgreSQL 12 and later). */
final class RecoveryConfig {
    private RecoveryConfig() {
    }

    static List<String> lines(Recovery.Options options, RecoveryTarget target, String server, boolean pitr) {
        List<String> lines = new ArrayList<>();
        String partial = options.standbyMode() ? "" : "-P ";
        if (options.getWal() && options.remoteSshCommand() != null) {
            lines.add("# The 'barman-wal-restore' command is provided in the 'barman-cli' package");
            lines.add("restore_command = 'barman-wal-restore " + partial + "-U " + options.barmanUser() + " "
                    + options.barmanHost() + " " + server + " %f %p'");
        } else if (options.getWal()) {
            // Barman 3.4 writes 'sudo -u <user> barman get-wal'; like 3.17 we do not depend on sudo.
            lines.add("# The 'barman get-wal' command must run as '" + options.barmanUser() + "' user");
            lines.add("restore_command = 'barman get-wal " + partial + server + " %f > %p'");
        } else {
            lines.add("restore_command = 'cp barman_wal/%f %p'");
            lines.add("recovery_end_command = 'rm -fr barman_wal'");
        }
        if (target.time() != null) {
            lines.add("recovery_target_time = '" + target.time() + "'");
        }
        if (target.xid() != null) {
            lines.add("recovery_target_xid = '" + target.xid() + "'");
        }
        if (target.lsn() != null) {
            lines.add("recovery_target_lsn = '" + target.lsn() + "'");
        }
        if (target.name() != null) {
            lines.add("recovery_target_name = '" + target.name().replace("'", "''") + "'");
        }
        if (target.immediate()) {
            lines.add("recovery_target = 'immediate'");
        }
        if (target.exclusive() && (target.time() != null || target.xid() != null || target.lsn() != null)) {
            lines.add("recovery_target_inclusive = 'False'");
        }
        if (target.timeline() != null) {
            lines.add("recovery_target_timeline = " + target.timeline());
        }
        if (pitr && target.action() != null) {
            lines.add("recovery_target_action = '" + target.action() + "'");
        }
        return lines;
    }
}
