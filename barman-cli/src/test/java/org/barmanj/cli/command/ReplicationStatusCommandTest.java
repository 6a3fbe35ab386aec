package org.barmanj.cli.command;

import org.barmanj.core.server.ReplicationStatus.Client;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Barman's sync stages and Python's capitalize, on clients made up at the LSNs that decide them. */
class ReplicationStatusCommandTest {
    private static Client client(String sent, String write, String flush, String replay) {
        return new Client(1, "barman", "app", null, null, null, null, null, "streaming", sent, write, flush, replay,
                0, "async", null, "0/3000100");
    }

    @Test
    void syncStages() {
        assertEquals("5/5 Hot standby (max)", ReplicationStatusCommand.syncStage(client("0/3000100", "0/3000100",
                "0/3000100", "0/3000100")));
        assertEquals("4/5 2-safe", ReplicationStatusCommand.syncStage(client("0/3000100", "0/3000100", "0/3000100",
                "0/3000000")));
        assertEquals("3/5 Remote write", ReplicationStatusCommand.syncStage(client("0/3000100", "0/3000100",
                "0/3000000", "0/3000000")));
        assertEquals("3/3 Remote write", ReplicationStatusCommand.syncStage(client("0/3000100", "0/3000100",
                "0/3000100", null)));
        assertEquals("2/3 WAL Sent (min)", ReplicationStatusCommand.syncStage(client("0/3000100", "0/3000000",
                "0/3000000", null)));
        assertEquals("1/3 1-safe", ReplicationStatusCommand.syncStage(client("0/2FFFFFF", "0/2000000", "0/2000000",
                null)));
    }

    @Test
    void pythonCapitalize() {
        assertEquals("Wal streamers", ReplicationStatusCommand.capitalize("WAL streamers"));
        assertEquals("Async", ReplicationStatusCommand.capitalize("async"));
        assertEquals("", ReplicationStatusCommand.capitalize(""));
    }
}
