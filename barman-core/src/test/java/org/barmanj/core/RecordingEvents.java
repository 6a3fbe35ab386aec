package org.barmanj.core;

import java.util.ArrayList;
import java.util.List;

/** Keeps what the core tells for tests to assert on: the info lines, and {@link #all} lines in order, prefixed as the console prints them. */
public final class RecordingEvents implements Events {
    public final List<String> info = new ArrayList<>();
    public final List<String> all = new ArrayList<>();

    @Override
    public void info(String message) {
        info.add(message);
        all.add(message);
    }

    @Override
    public void warning(String message) {
        all.add("WARNING: " + message);
    }

    @Override
    public void error(String message) {
        all.add("ERROR: " + message);
    }

    @Override
    public void debug(String message) {
        all.add("DEBUG: " + message);
    }
}
