package org.barmanj.cloud;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The multipart uploads an earlier barman-cloud-backup of this server left behind: when the S3 server went away in
 * the middle of a backup, the abort of its uploads could not reach it, so the server keeps their parts (and bills
 * them) but no object. At the start of the next backup, the uploads under {@code PREFIX/SERVER/base/} whose backup
 * has no {@code backup.info} with status DONE are aborted, each one logged. Barman 3.4 never lists multipart
 * uploads: it leaves such uploads to the bucket's lifecycle rules.
 */
final class StaleUploads {
    private StaleUploads() {}

    /** One incomplete upload: its key, id and the backup folder it is in. */
    record Upload(String key, String uploadId, String backupId) {}

    /** Every incomplete upload under {@code PREFIX/SERVER/base/}, following the list's markers. */
    static List<Upload> list(S3Cloud cloud, String server) {
        String base = WalNames.join(cloud.path, server, "base") + "/";
        List<Upload> found = new ArrayList<>();
        String keyMarker = null;
        String idMarker = null;
        while (true) {
            ListMultipartUploadsRequest.Builder req = ListMultipartUploadsRequest.builder().bucket(cloud.bucket)
                    .prefix(base);
            if (keyMarker != null) {
                req.keyMarker(keyMarker);
            }
            if (idMarker != null) {
                req.uploadIdMarker(idMarker);
            }
            ListMultipartUploadsResponse resp = cloud.client().listMultipartUploads(req.build());
            for (MultipartUpload u : resp.uploads()) {
                if (!u.key().startsWith(base)) {
                    continue; // a server that ignores the prefix: never another server's upload
                }
                String rest = u.key().substring(Math.min(base.length(), u.key().length()));
                int slash = rest.indexOf('/');
                found.add(new Upload(u.key(), u.uploadId(), slash > 0 ? rest.substring(0, slash) : null));
            }
            if (!Boolean.TRUE.equals(resp.isTruncated())
                    || resp.nextKeyMarker() == null && resp.nextUploadIdMarker() == null) {
                return found;
            }
            keyMarker = resp.nextKeyMarker();
            idMarker = resp.nextUploadIdMarker();
        }
    }

    /**
     * Aborts the uploads of {@link #list} whose backup has no DONE backup.info (those of a DONE backup are left
     * and logged: not ours to judge). Returns how many were aborted. A failure to list (a server without
     * ListMultipartUploads) is logged as a warning and the backup goes on.
     */
    static int abortLeftovers(S3Cloud cloud, String server) {
        List<Upload> uploads;
        try {
            uploads = list(cloud, server);
        } catch (RuntimeException e) {
            CloudLog.warning("Cannot list the incomplete multipart uploads of earlier backups: "
                    + S3Cloud.describe(e));
            return 0;
        }
        BucketCatalog catalog = new BucketCatalog(cloud, server);
        Map<String, BackupInfo.Status> statuses = new LinkedHashMap<>();
        int aborted = 0;
        for (Upload u : uploads) {
            if (u.backupId() == null || !BackupCatalog.isBackupId(u.backupId())) {
                CloudLog.info("Leaving the incomplete multipart upload of '" + u.key()
                        + "' alone: not in a backup's folder");
                continue;
            }
            // One upload's trouble (an unreadable backup.info, an upload gone meanwhile, no permission to
            // abort) is a warning: the backup this clean-up precedes goes on.
            try {
                BackupInfo.Status status = statuses.computeIfAbsent(u.backupId(), id -> {
                    BackupInfo info = catalog.info(id);
                    return info == null ? null : info.status();
                });
                if (status == BackupInfo.Status.DONE) {
                    CloudLog.warning("Leaving the incomplete multipart upload of '" + u.key() + "' (upload id "
                            + u.uploadId() + ") alone: backup " + u.backupId() + " is DONE");
                    continue;
                }
                cloud.client().abortMultipartUpload(b -> b.bucket(cloud.bucket).key(u.key()).uploadId(u.uploadId()));
                CloudLog.warning("Aborted the incomplete multipart upload of '" + u.key() + "' (upload id "
                        + u.uploadId() + ") left by backup " + u.backupId() + " ("
                        + (status == null ? "no backup.info" : "backup.info " + status) + ")");
                aborted++;
            } catch (RuntimeException e) {
                CloudLog.warning("Cannot abort the incomplete multipart upload of '" + u.key() + "': "
                        + S3Cloud.describe(e));
            }
        }
        return aborted;
    }
}
