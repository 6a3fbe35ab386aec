package org.barmanj.core.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why an I/O operation failed, as one phrase for a message that already names the file ({@code cannot read X:
 * <reason>}). Java's file-system exceptions often carry only the path as their message ({@code
 * NoSuchFileException}, {@code AccessDeniedException}): printed as is, the reason is lost.
 */
public final class IoReason {
    private IoReason() {
    }

    /** The reason alone: the operating system's words where Java keeps them, Barman's (strerror) otherwise. */
    public static String of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() == null || e.getMessage().isEmpty() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The reason with the file it is about, for a message that cannot name it: {@code <file>: <reason>}. */
    public static String withFile(IOException e) {
        String file = e instanceof FileSystemException f ? f.getFile() : null;
        return file == null ? of(e) : file + ": " + of(e);
    }
}
