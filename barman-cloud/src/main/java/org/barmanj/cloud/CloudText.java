package org.barmanj.cloud;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What the listing commands print with: UTF-8 stdout (Python 3's, whatever the locale) and str.format padding. */
final class CloudText {
    private CloudText() {}

    /** Standard output in UTF-8, flushed by the caller. */
    static PrintStream stdout() {
        return new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    }

    /** Python's {@code "{:<N}".format(text)}: padded with spaces to N code points, never cut. */
    static String left(String text, int width) {
        int length = text.codePointCount(0, text.length());
        return length >= width ? text : text + " ".repeat(width - length);
    }
}
