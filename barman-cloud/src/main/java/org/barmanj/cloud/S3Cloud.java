package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One bucket of an S3 API server, as Barman's {@code S3CloudInterface} uses it: path-style addressing (so any
 * S3 server works behind {@code --endpoint-url}), checksums only where the API requires them (S3Proxy and
 * older servers reject the SDK's default CRC32 trailers), Content-MD5 on every upload.
 */
final class S3Cloud implements AutoCloseable {
    final String bucket;
    /** The URL's path without its leading slash, as Barman keeps it. */
    final String path;
    private final S3Client s3;
    private final String region;
    /** Seconds without an answer before a request fails ({@code --read-timeout}); {@link FaultBudget} uses it. */
    final int readTimeout;
    String encryption;
    Boolean bucketExists;

    S3Cloud(CloudArgs args) {
        String provider = args.values.getOrDefault("--cloud-provider", "aws-s3");
        if (!provider.equals("aws-s3")) {
            throw new IllegalArgumentException("cloud provider " + provider
                    + " is not supported by barmanj yet: only aws-s3");
        }
        String url = args.positionals.get(0);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid s3 URL address: " + url);
        }
        if (!"s3".equals(uri.getScheme()) || uri.getRawAuthority() == null || uri.getRawAuthority().isEmpty()) {
            throw new IllegalArgumentException("Invalid s3 URL address: " + url);
        }
        bucket = uri.getRawAuthority();
        String p = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        path = p;
        String profile = args.value("--profile");
        region = region(profile);
        AwsCredentialsProvider credentials = profile != null
                ? ProfileCredentialsProvider.create(profile)
                : DefaultCredentialsProvider.builder().build();
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(60));
        String readTimeoutArg = args.value("--read-timeout");
        readTimeout = readTimeoutArg == null ? 60 : Integer.parseInt(readTimeoutArg);
        http.socketTimeout(Duration.ofSeconds(readTimeout));
        var builder = S3Client.builder()
                .httpClientBuilder(http)
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        String endpoint = args.value("--endpoint-url");
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
            if (endpoint.regionMatches(true, 0, "http:", 0, 5)) {
                // Over http the SDK would hash every body into the signature: see PlainHttpSigning.
                builder.putAuthScheme(new PlainHttpSigning());
            }
        }
        s3 = builder.build();
    }

    /** AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1 (no instance-metadata probe). */
    private static String region(String profile) {
        for (String env : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        try {
            String name = profile != null ? profile
                    : System.getenv().getOrDefault("AWS_PROFILE", "default");
            var found = ProfileFile.defaultProfileFile().profile(name).flatMap(pr -> pr.property("region"));
            if (found.isPresent()) {
                return found.get();
            }
        } catch (RuntimeException e) {
            // No configuration file: the default below.
        }
        return "us-east-1";
    }

    /**
     * Barman's test_connectivity: true if the server answered (bucketExists then says whether the bucket is
     * there), false (logged) if it could not be reached. Any other answer, such as 403, is thrown.
     */
    boolean testConnectivity() {
        try {
            bucketExists = checkBucketExistence();
            return true;
        } catch (SdkClientException e) {
            if (isConnectionFailure(e)) {
                CloudLog.error("Can't connect to cloud provider: " + describe(e));
                return false;
            }
            throw e;
        }
    }

    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private boolean checkBucketExistence() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Barman's setup_bucket: creates the bucket (private, in the client's region) if it does not exist. */
    void setupBucket() {
        if (bucketExists == null) {
            bucketExists = checkBucketExistence();
        }
        if (!bucketExists) {
            CloudLog.info("Bucket '" + bucket + "' does not exist, creating it on region '" + region + "'");
            CreateBucketRequest.Builder create = CreateBucketRequest.builder().bucket(bucket).acl(BucketCannedACL.PRIVATE);
            if (!region.equals("us-east-1")) {
                create.createBucketConfiguration(CreateBucketConfiguration.builder().locationConstraint(region).build());
            }
            s3.createBucket(create.build());
            bucketExists = true;
        }
    }

    /** Every key under prefix, following continuation tokens (Barman 3.4 stops at the first 1000). */
    List<String> listKeys(String prefix, String delimiter) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
            if (delimiter != null && !delimiter.isEmpty()) {
                req.delimiter(delimiter);
            }
            if (token != null) {
                req.continuationToken(token);
            }
            ListObjectsV2Response resp = s3.listObjectsV2(req.build());
            for (S3Object o : resp.contents()) {
                keys.add(o.key());
            }
            resp.commonPrefixes().forEach(cp -> keys.add(cp.prefix()));
            token = Boolean.TRUE.equals(resp.isTruncated()) ? resp.nextContinuationToken() : null;
        } while (token != null);
        return keys;
    }

    /** One PUT with Content-MD5, the encryption and the tags (URL-encoded, as the Tagging header wants them). */
    void put(String key, byte[] body, List<String[]> tags) {
        put(key, body, tags, null);
    }

    /** {@link #put(String, byte[], List)} with a request override (a shorter budget after a failure), or null. */
    void put(String key, byte[] body, List<String[]> tags,
            software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration override) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key)
                .contentLength((long) body.length).contentMD5(md5(body));
        if (encryption != null) {
            req.serverSideEncryption(encryption);
        }
        if (tags != null && !tags.isEmpty()) {
            req.tagging(MultipartUpload.tagging(tags));
        }
        req.overrideConfiguration(override != null ? override : FaultBudget.forBody(readTimeout, body.length));
        s3.putObject(req.build(), RequestBody.fromBytes(body));
    }

    /** The object, or null if there is none (HTTP 404). */
    InputStream getIfExists(String key) {
        try {
            return get(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** The SDK client, for the operations that live in their own classes (multipart, deletes). */
    S3Client client() {
        return s3;
    }

    InputStream get(String key) {
        ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
        return in;
    }

    private static String md5(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A one-line description of an S3 failure: never a credential, always what the server said. */
    static String describe(Throwable e) {
        if (e instanceof S3Exception s) {
            String code = s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
            String op = s.awsErrorDetails() != null && s.awsErrorDetails().sdkHttpResponse() != null
                    ? "" : "";
            StringBuilder b = new StringBuilder("the S3 server answered HTTP ").append(s.statusCode());
            if (code != null) {
                b.append(" ").append(code);
            }
            if (s.statusCode() == 403) {
                b.append(": access denied (wrong access key or secret, or no permission on this bucket;"
                        + " credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile or"
                        + " ~/.aws/credentials)");
            } else if (s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null) {
                b.append(": ").append(s.awsErrorDetails().errorMessage());
            }
            return b.append(op).toString();
        }
        if (e instanceof UncheckedIOException u) {
            return String.valueOf(u.getCause().getMessage());
        }
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        if (m.startsWith("Unable to load credentials from any of the providers in the chain")) {
            // The SDK lists every provider it tried, on one line of a few thousand characters.
            return "Unable to locate credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, --profile or"
                    + " ~/.aws/credentials)";
        }
        int dump = m.indexOf(": ProfileFile(");
        return dump > 0 ? m.substring(0, dump) : m; // the profiles' names and keys follow, never their values
    }

    @Override
    public void close() {
        s3.close();
    }
}
