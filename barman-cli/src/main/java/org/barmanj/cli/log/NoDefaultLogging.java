package org.barmanj.cli.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The configuration of SLF4J's default Logback context, which only a library logging through
 * {@code LoggerFactory} would reach ({@link LogFile} has a context of its own): everything off, and no search for
 * {@code logback.xml}. Without it Logback would print such a library's DEBUG records on standard output, which
 * scripts parse; before Logback was on the class path SLF4J discarded them, and so it still does.
 */
public final class NoDefaultLogging extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
