package org.barmanj.core;

/**
 * Base of every error the core reports. The message is the one-line text shown to the user
 * (the CLI prefixes it with {@code ERROR: }); the code groups errors for scripts and logs.
 */
public class BarmanException extends RuntimeException {
    private final ErrorCode code;

    public BarmanException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public BarmanException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
