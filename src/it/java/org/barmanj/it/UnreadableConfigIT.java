package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A configuration file the barman user may not read (root only needs a real non-root user to show it). */
class UnreadableConfigIT {
    @Test
    void permissionDeniedIsOneLineAndExitOne() throws IOException {
        BarmanHome home = new BarmanHome("unreadable").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Proc.run("chown", "root:", home.conf.toString()).ok();
            Proc.run("chmod", "600", home.conf.toString()).ok();
            Proc run = Proc.as("barman", Lab.BARMAN.toString(), "-c", home.conf.toString(), "list-servers");
            assertEquals(1, run.exit());
            assertEquals("", run.out());
            assertEquals("ERROR: Cannot read configuration file '" + home.conf + "': Permission denied\n", run.err());
        } finally {
            home.delete();
        }
    }

    @Test
    void wrongUserIsRefusedLikeBarman() throws IOException {
        BarmanHome home = new BarmanHome("wronguser").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Proc run = Proc.as("enterprisedb", Lab.BARMAN.toString(), "-c", home.conf.toString(), "list-servers");
            Proc theirs = Proc.as("enterprisedb", Lab.BARMAN_34, "-c", home.conf.toString(), "list-servers");
            assertEquals(theirs.exit(), run.exit());
            assertEquals("ERROR: please run barman as 'barman' user\n", run.err());
            assertEquals(theirs.err(), run.err());
        } finally {
            home.delete();
        }
    }
}
