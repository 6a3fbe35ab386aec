package org.barmanj.cloud;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.barmanj.walarchive.Spool;

/**
 * barman-cloud-wal-restore's prefetch folder ({@code --spool-dir}): barman-wal-restore's {@link Spool}, with its
 * rules (trusted only when private: a folder, not a symbolic link, owned by the running user, that no group or
 * other user can write; prefetches written under a temporary name and renamed once complete; only regular files
 * of that user served). One addition: the WAL files of one source (bucket URL and server name) live in a
 * sub-folder of their own, named from a hash of both and checked by the same rules, so that two restores sharing
 * a spool folder never serve each other a segment of the same name.
 */
final class WalSpool {
    private WalSpool() {}

    /** The sub-folder of one source: 16 hex digits of SHA-256 over the URL and the server name. */
    static String sourceKey(String sourceUrl, String server) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((sourceUrl + "\n" + server).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spool of one source, both folders created mode 0700 when missing; refused unless both are private. */
    static Spool open(Path spoolDir, String sourceUrl, String server) throws Spool.RefusedException {
        Spool.open(spoolDir);
        return Spool.open(spoolDir.resolve(sourceKey(sourceUrl, server)));
    }
}
