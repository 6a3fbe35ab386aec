package org.barmanj.core.postgres;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;

/** PostgreSQL could not be reached or refused a query. */
public final class PostgresException extends BarmanException {
    public PostgresException(String message, Throwable cause) {
        super(ErrorCode.POSTGRES, message, cause);
    }
}
