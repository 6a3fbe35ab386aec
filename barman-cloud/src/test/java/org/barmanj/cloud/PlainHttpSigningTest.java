package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What S3Cloud sends to an http endpoint, captured by a real HTTP server on loopback: SigV4 with an unsigned
 * payload (the body as is, not aws-chunked), Content-MD5 among the signed headers, the Host header the request
 * goes out with. That S3 servers accept the signature is shown by the cloud ITs against S3Proxy, which checks it.
 */
class PlainHttpSigningTest {
    record Seen(String method, Map<String, List<String>> headers, byte[] body) {}

    @Test
    void putOverHttpIsSignedWithAnUnsignedPayloadAndContentMd5() throws Exception {
        List<Seen> seen = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            synchronized (seen) {
                seen.add(new Seen(ex.getRequestMethod(), Map.copyOf(ex.getRequestHeaders()), body));
            }
            ex.getResponseHeaders().add("ETag", "\"e\"");
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        String key = System.setProperty("aws.accessKeyId", "test-key");
        String secret = System.setProperty("aws.secretAccessKey", "test-secret");
        try {
            int port = server.getAddress().getPort();
            CloudArgs args = new CloudArgs("p", "d", List.of(CloudArgs.url("destination")), 1, List.of())
                    .parse(new String[] {"--endpoint-url", "http://127.0.0.1:" + port, "s3://bucket/prefix"},
                            System.out, System.err);
            byte[] body = "sixteen MiB of WAL, in short".getBytes(StandardCharsets.UTF_8);
            try (S3Cloud cloud = new S3Cloud(args)) {
                cloud.put("prefix/demo/wals/x", body, null);
            }
            Seen put = seen.stream().filter(s -> s.method.equals("PUT")).findFirst().orElseThrow();
            assertEquals(List.of("UNSIGNED-PAYLOAD"), header(put, "X-amz-content-sha256"));
            assertEquals(List.of(Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body))),
                    header(put, "Content-md5"));
            assertEquals(List.of("127.0.0.1:" + port), header(put, "Host"));
            String auth = header(put, "Authorization").get(0);
            assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=test-key/"), auth);
            String signed = auth.replaceAll(".*SignedHeaders=([^,]*),.*", "$1");
            assertTrue(List.of(signed.split(";")).containsAll(List.of("content-md5", "host", "x-amz-content-sha256")),
                    signed);
            assertFalse(auth.contains("test-secret"), auth);
            // The body as it is: no aws-chunked framing, no trailer.
            assertArrayEquals(body, put.body);
            assertEquals(List.of(String.valueOf(body.length)), header(put, "Content-length"));
            assertTrue(header(put, "Content-encoding").isEmpty(), put.headers.toString());
        } finally {
            server.stop(0);
            restore("aws.accessKeyId", key);
            restore("aws.secretAccessKey", secret);
        }
    }

    private static List<String> header(Seen s, String name) {
        return s.headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .flatMap(e -> e.getValue().stream()).toList();
    }

    private static void restore(String name, String old) {
        if (old == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, old);
        }
    }
}
