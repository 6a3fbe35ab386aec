package org.barmanj.cloud;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * Barman's delete_objects for aws-s3: the keys in batches of at most {@code batchSize} (S3's limit: 1000), one
 * quiet DeleteObjects request each, with Content-MD5. A batch whose answer lists failed keys is logged key by key and the
 * remaining batches are still tried; the call then fails as Barman's does, with one message for all.
 */
final class CloudDeleter {
    static final int MAX_BATCH_SIZE = 1000;

    /** Thrown when some keys could not be deleted (each one already logged). */
    static final class Failed extends RuntimeException {
        Failed() {
            super("Error from cloud provider while deleting objects - please check the command output.");
        }
    }

    private final S3Cloud cloud;
    final int batchSize;

    /** {@code requested} null: the provider's maximum; else clamped to 1..1000, as Barman does. */
    CloudDeleter(S3Cloud cloud, Integer requested) {
        this.cloud = cloud;
        this.batchSize = batchSize(requested);
    }

    static int batchSize(Integer requested) {
        return requested == null ? MAX_BATCH_SIZE : Math.max(1, Math.min(requested, MAX_BATCH_SIZE));
    }

    /** The batches keys are sent in, in order. */
    static List<List<String>> batches(List<String> keys, int batchSize) {
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += batchSize) {
            batches.add(keys.subList(i, Math.min(keys.size(), i + batchSize)));
        }
        return batches;
    }

    /** Deletes the keys (none: no request). A key that does not exist is not an error (S3's rule). */
    void delete(List<String> keys) {
        boolean errors = false;
        for (List<String> batch : batches(keys, batchSize)) {
            List<ObjectIdentifier> ids = batch.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            // Content-MD5, as boto3 sends it (servers older than the CRC32 checksums require it for this call).
            DeleteObjectsResponse resp = cloud.client().deleteObjects(r -> r.bucket(cloud.bucket)
                    .delete(Delete.builder().objects(ids).quiet(true).build())
                    .overrideConfiguration(o -> o.addPlugin(LegacyMd5Plugin.create())));
            if (resp.hasErrors() && !resp.errors().isEmpty()) {
                for (S3Error e : resp.errors()) {
                    CloudLog.error("Deletion of object " + e.key() + " failed with error code: \"" + e.code()
                            + "\", message: \"" + e.message() + "\"");
                }
                errors = true;
            }
        }
        if (errors) {
            throw new Failed();
        }
    }
}
