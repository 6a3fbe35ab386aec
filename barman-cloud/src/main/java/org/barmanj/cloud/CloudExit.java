package org.barmanj.cloud;

/** Ends a barman-cloud command with one of Barman's exit codes: 0 ok, 1 operation, 2 network, 3 usage, 4 general. */
final class CloudExit extends RuntimeException {
    static final int OK = 0;
    static final int OPERATION = 1;
    static final int NETWORK = 2;
    static final int USAGE = 3;
    static final int GENERAL = 4;

    final int code;

    CloudExit(int code) {
        super(null, null, false, false);
        this.code = code;
    }
}
