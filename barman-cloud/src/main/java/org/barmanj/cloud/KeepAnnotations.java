package org.barmanj.cloud;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@code keep} annotations of a server's backups ({@code PREFIX/SERVER/base/ID/annotations/keep}, whose first
 * line is the recovery target, {@code full} or {@code standalone}), read as Barman 3.4's cloud annotation
 * manager does: one paginated listing of the base folder says which backups have one, then only those are read.
 */
final class KeepAnnotations {
    private final S3Cloud cloud;
    private final BucketCatalog catalog;
    private Set<String> annotated;

    KeepAnnotations(S3Cloud cloud, BucketCatalog catalog) {
        this.cloud = cloud;
        this.catalog = catalog;
    }

    /** The keep target of a backup (its annotation's first line, newline included if any), or null. */
    String target(String backupId) {
        if (annotated == null) {
            annotated = new HashSet<>();
            for (String key : cloud.listKeys(catalog.basePrefix + "/", "")) {
                String[] parts = key.split("/", -1);
                if (parts.length > 3 && parts[parts.length - 2].equals("annotations")
                        && parts[parts.length - 1].equals("keep")) {
                    annotated.add(parts[parts.length - 3]);
                }
            }
        }
        if (!annotated.contains(backupId)) {
            return null;
        }
        try (InputStream in = cloud.getIfExists(catalog.backupKey(backupId, "annotations/keep"))) {
            if (in == null) {
                return null;
            }
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
            }
            return line.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
