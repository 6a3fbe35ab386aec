package org.barmanj.core.server;

import java.nio.file.Path;

/**
 * What {@code barman get-wal} was asked for: the file, whether {@code .partial} files count, {@code peek} (null,
 * or how many names to list instead of sending), the compression to send it with ({@code gzip}, {@code bzip2} or
 * null) and the folder to write it into (null: standard output).
 */
public record GetWalRequest(String walName, boolean partial, Integer peek, String recompress, Path outputDirectory) {
}
