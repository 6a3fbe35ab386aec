package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code identity.json}: the cluster's system identifier and major version, written once before the first backup
 * and never overwritten; the {@code systemid coherence} check compares the server with it.
 */
public final class IdentityFile {
    private IdentityFile() {
    }

    /** {@code majorVersion} as Barman writes it: {@code "15"}, {@code "9.6"}. */
    public static void writeIfAbsent(CatalogLayout layout, String systemId, String majorVersion) {
        Path file = layout.backupDirectory().resolve("identity.json");
        if (systemId == null || Files.exists(file)) {
            return;
        }
        String json = "{\n    \"systemid\": \"" + systemId + "\",\n    \"version\": \"" + majorVersion + "\"\n}\n";
        Path temp = file.resolveSibling("identity.json.tmp");
        try {
            Files.writeString(temp, json, StandardCharsets.UTF_8);
            org.barmanj.core.fs.Durable.syncFile(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            org.barmanj.core.fs.Durable.syncFolder(file.getParent());
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot write " + file + ": " + IoReason.of(e), e);
        }
    }

    /** The major version of a {@code server_txt_version} such as {@code 15.18} or {@code 9.6.24}. */
    public static String majorVersion(String txtVersion) {
        String[] parts = txtVersion.split("\\.");
        int first = Integer.parseInt(parts[0].replaceAll("\\D.*", ""));
        return first >= 10 || parts.length < 2 ? String.valueOf(first) : first + "." + parts[1];
    }
}
