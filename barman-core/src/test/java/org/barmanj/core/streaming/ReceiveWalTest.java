package org.barmanj.core.streaming;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReceiveWalTest {
    @Test
    void synchronousStandbyNamesAsBarmanReadsThem() {
        assertEquals(List.of(), ReceiveWal.parseSynchronousNames(""));
        assertEquals(List.of("barman_receive_wal"), ReceiveWal.parseSynchronousNames("barman_receive_wal"));
        assertEquals(List.of("a", "barman_receive_wal"),
                ReceiveWal.parseSynchronousNames("FIRST 1 (a, \"barman_receive_wal\")"));
        assertEquals(List.of("*"), ReceiveWal.parseSynchronousNames("ANY 2 (*)"));
    }
}
