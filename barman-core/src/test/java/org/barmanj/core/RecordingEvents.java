package org.barmanj.core;

import java.util.ArrayList;
import java.util.List;

/** Keeps what the core tells, per level, for tests to assert on; {@link #all} in order, as the console prints it. */
public final class RecordingEvents implements Events {
    public final List<String> info = new ArrayList<>();
    public final List<String> warnings = new ArrayList<>();
    public final List<String> errors = new ArrayList<>();
    public final List<String> all = new ArrayList<>();

    @Override
    public void info(String message) {
        info.add(message);
        all.add(message);
    }

    @Override
    public void warning(String message) {
        warnings.add(message);
        all.add("WARNING: " + message);
    }

    @Override
    public void error(String message) {
        errors.add(message);
        all.add("ERROR: " + message);
    }

    @Override
    public void debug(String message) {
        all.add("DEBUG: " + message);
    }
}
