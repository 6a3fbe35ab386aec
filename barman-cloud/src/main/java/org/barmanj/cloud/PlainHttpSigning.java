package org.barmanj.cloud;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 for a plain-http endpoint (such as {@code --endpoint-url http://127.0.0.1:9000}) without hashing the
 * body into the signature: the request is signed with {@code x-amz-content-sha256: UNSIGNED-PAYLOAD}, as the SDK
 * signs every request to an https endpoint.
 *
 * <p>Over http the SDK always signs the payload (aws-chunked, one SHA-256 per 128 KiB chunk and an HMAC each).
 * Our launcher runs the JVM with the C1 compiler only, which has no SHA-256 intrinsic: hashing a 16 MiB WAL
 * segment in Java took about a third of a WAL upload's CPU (JFR samples), where Python's hashlib does it in C.
 * The body's integrity is still checked: every upload carries Content-MD5, which is a signed header, and the
 * server rejects a body that does not match it. The signature does not cover the URL's scheme (only the method,
 * path, query, headers and payload hash), so the request is signed as if it were https, with the Host header it
 * will be sent with, and sent over http.
 */
final class PlainHttpSigning implements AwsV4AuthScheme {
    private final AwsV4AuthScheme standard = AwsV4AuthScheme.create();

    @Override
    public String schemeId() {
        return standard.schemeId();
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return standard.identityProvider(providers);
    }

    @Override
    public AwsV4HttpSigner signer() {
        return new Signer(standard.signer());
    }

    private static final class Signer implements AwsV4HttpSigner {
        private final AwsV4HttpSigner delegate;

        Signer(AwsV4HttpSigner delegate) {
            this.delegate = delegate;
        }

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            SdkHttpRequest http = request.request();
            if ("https".equals(http.protocol()) || request.payload().isEmpty()) {
                return delegate.sign(request);
            }
            return unsigned(request, http);
        }

        private <T extends AwsCredentialsIdentity> SignedRequest unsigned(SignRequest<T> request, SdkHttpRequest http) {
            SdkHttpRequest.Builder asHttps = http.toBuilder().protocol("https");
            if (http.firstMatchingHeader("Host").isEmpty()) {
                String host = http.host();
                if (!SdkHttpUtils.isUsingStandardPort(http.protocol(), http.port())) {
                    host += ":" + http.port();
                }
                asHttps.putHeader("Host", host);
            }
            asHttps.port(http.port());
            SignedRequest signed = delegate.sign(request.toBuilder().request(asHttps.build())
                    .putProperty(PAYLOAD_SIGNING_ENABLED, false)
                    .putProperty(CHUNK_ENCODING_ENABLED, false)
                    .build());
            SdkHttpRequest back = signed.request().toBuilder().protocol(http.protocol()).port(http.port()).build();
            return signed.toBuilder().request(back).build();
        }

        @Override
        public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> r) {
            return delegate.signAsync(r);
        }
    }
}
