package org.barmanj.cloud;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * One object written as an S3 multipart upload from a stream: the bytes are cut into parts of {@code partSize},
 * each uploaded with its Content-MD5 by the shared pool of {@code -J} workers. A part waits for a permit of the
 * shared {@link Pool} before it is handed over, so at most {@link Pool#permits} parts are in memory for the whole
 * backup (plus the one each open upload is filling): memory is bounded, whatever the size of the backup. The
 * upload is created with the first part, completed by {@link #close()}, aborted by {@link #abort()} (and by
 * close when a part failed), so a failed backup leaves no incomplete upload behind.
 */
final class MultipartUpload extends OutputStream {
    /** The workers and the bound on parts in flight, shared by the uploads of one backup. */
    static final class Pool implements AutoCloseable {
        final ExecutorService workers;
        final Semaphore inFlight;
        final int permits;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Pool(int jobs) {
            this.workers = Executors.newFixedThreadPool(jobs, r -> {
                Thread t = new Thread(r, "upload-worker");
                t.setDaemon(true);
                return t;
            });
            this.permits = 2 * jobs;
            this.inFlight = new Semaphore(permits);
        }

        void check() throws IOException {
            Throwable t = failure.get();
            if (t != null) {
                throw new IOException(S3Cloud.describe(t), t);
            }
        }

        @Override
        public void close() {
            workers.shutdownNow();
        }
    }

    private final S3Cloud cloud;
    final String key;
    private final int partSize;
    private final Pool pool;
    private final List<String[]> tags;
    private String uploadId;
    private byte[] buffer;
    private int filled;
    private int partNumber;
    /** Bytes written (what Barman's uploader counts as the archive's size). */
    long size;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private boolean closed;
    java.time.LocalDateTime startTime;
    java.time.LocalDateTime endTime;
    /** The microseconds each part took (Python timedeltas), for copy_stats. */
    final List<Long> partMicros = java.util.Collections.synchronizedList(new ArrayList<>());

    MultipartUpload(S3Cloud cloud, String key, int partSize, Pool pool, List<String[]> tags) {
        this.cloud = cloud;
        this.key = key;
        this.partSize = partSize;
        this.pool = pool;
        this.tags = tags;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (buffer == null) {
                buffer = new byte[partSize];
                filled = 0;
            }
            int n = Math.min(len, partSize - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            size += n;
            if (filled == partSize) {
                sendPart();
            }
        }
    }

    private void sendPart() throws IOException {
        pool.check();
        if (uploadId == null) {
            startTime = java.time.LocalDateTime.now();
            CreateMultipartUploadRequest.Builder req = CreateMultipartUploadRequest.builder().bucket(cloud.bucket)
                    .key(key);
            if (cloud.encryption != null) {
                req.serverSideEncryption(cloud.encryption);
            }
            if (tags != null && !tags.isEmpty()) {
                req.tagging(tagging(tags));
            }
            uploadId = cloud.client().createMultipartUpload(req.build()).uploadId();
            CloudLog.debug("Multipart upload of '" + key + "' started");
        }
        byte[] body = buffer;
        int length = filled;
        buffer = null;
        filled = 0;
        int number = ++partNumber;
        try {
            pool.inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        String id = uploadId;
        try {
            parts.add(pool.workers.submit(() -> {
                try {
                    if (pool.failure.get() != null) {
                        throw new IOException("skipped: another upload failed");
                    }
                    long t0 = System.nanoTime();
                    CloudLog.info("Uploading '" + key + "', part '" + number + "'");
                    MessageDigest md5 = MessageDigest.getInstance("MD5");
                    md5.update(body, 0, length);
                    String etag = cloud.client().uploadPart(UploadPartRequest.builder().bucket(cloud.bucket).key(key)
                            .uploadId(id).partNumber(number).contentLength((long) length)
                            .contentMD5(Base64.getEncoder().encodeToString(md5.digest()))
                            .overrideConfiguration(FaultBudget.forBody(cloud.readTimeout, length)).build(),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(body, 0, length), length,
                                    "application/octet-stream")).eTag();
                    partMicros.add((System.nanoTime() - t0) / 1000);
                    return CompletedPart.builder().partNumber(number).eTag(etag).build();
                } catch (Throwable t) {
                    pool.failure.compareAndSet(null, t);
                    CloudLog.error("Upload error: " + S3Cloud.describe(t));
                    throw t;
                } finally {
                    pool.inFlight.release();
                }
            }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pool.inFlight.release();
            throw new IOException("the upload workers are stopped", e);
        }
    }

    /** The tags as the Tagging header wants them: URL-encoded key=value pairs joined by &amp;. */
    static String tagging(List<String[]> tags) {
        StringBuilder t = new StringBuilder();
        for (String[] tag : tags) {
            if (t.length() > 0) {
                t.append('&');
            }
            t.append(URLEncoder.encode(tag[0], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(tag[1], StandardCharsets.UTF_8));
        }
        return t.toString();
    }

    /** Sends the last part, waits for every part and completes the upload; on any failure aborts it. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (filled > 0 || uploadId == null) {
                if (buffer == null) {
                    buffer = new byte[0];
                }
                sendPart();
            }
            List<CompletedPart> done = new ArrayList<>();
            for (Future<CompletedPart> f : parts) {
                try {
                    done.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(S3Cloud.describe(e.getCause()), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            done.sort(Comparator.comparing(CompletedPart::partNumber));
            CloudLog.info("Completing '" + key + "'");
            cloud.client().completeMultipartUpload(b -> b.bucket(cloud.bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(done)));
            endTime = java.time.LocalDateTime.now();
        } catch (IOException | RuntimeException e) {
            pool.failure.compareAndSet(null, e);
            abort();
            throw e;
        }
    }

    /** Aborts the upload (if one was created), once the parts in flight have ended; errors are only logged. */
    void abort() {
        closed = true;
        for (Future<CompletedPart> f : parts) {
            try {
                f.get();
            } catch (Exception e) {
                // Already recorded.
            }
        }
        if (uploadId == null) {
            return;
        }
        try {
            CloudLog.info("Aborting '" + key + "'");
            cloud.client().abortMultipartUpload(b -> b.bucket(cloud.bucket).key(key).uploadId(uploadId)
                    .overrideConfiguration(FaultBudget.afterFailure()));
        } catch (RuntimeException e) {
            CloudLog.warning("Could not abort the multipart upload of '" + key + "' (upload id " + uploadId
                    + "): " + S3Cloud.describe(e) + "; the next barman-cloud-backup of this server aborts it");
        }
    }

    static String md5(byte[] b) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
