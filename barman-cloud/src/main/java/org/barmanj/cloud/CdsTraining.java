package org.barmanj.cloud;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The workload the launcher's {@code --build-cds-archive} runs to record the class-data-sharing archive: one
 * {@code barman-cloud-wal-archive} upload and one {@code barman-cloud-wal-restore} download of a 16 MiB segment,
 * against a throw-away HTTP server on loopback inside this JVM that answers as an S3 server would (it checks
 * nothing). The archive then holds the classes of building the client, signing, the PUT, the listing and the
 * GET (about 2,400 classes that a connect-only training run left to be loaded and verified from the jars at
 * every start). Not a test: it asserts nothing, and nothing but the archive is kept.
 */
public final class CdsTraining {
    private static final String KEY = "cds/demo/wals/0000000100000000/000000010000000000000001";

    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[][] stored = new byte[1][];
        server.createContext("/", exchange -> answer(exchange, stored));
        server.start();
        Path dir = Files.createTempDirectory("barman-cloud-cds");
        try {
            Path wal = dir.resolve("000000010000000000000001");
            Files.write(wal, new byte[16 << 20]);
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            int archived = CloudWalArchive.run(new String[] {"--endpoint-url", endpoint, "s3://cds", "demo",
                wal.toString()});
            int restored = CloudWalRestore.run(new String[] {"--endpoint-url", endpoint, "s3://cds", "demo",
                wal.getFileName().toString(), dir.resolve("restored").toString()});
            System.exit(archived == 0 && restored == 0 ? 0 : 1);
        } finally {
            server.stop(0);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void answer(HttpExchange exchange, byte[][] stored) throws IOException {
        String method = exchange.getRequestMethod();
        String query = exchange.getRequestURI().getRawQuery();
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (method.equals("PUT")) {
                stored[0] = body;
            }
        }
        exchange.getResponseHeaders().add("ETag", "\"cds\"");
        if (method.equals("GET") && query != null && query.contains("list-type=2")) {
            byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult"
                    + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>cds</Name><Prefix></Prefix>"
                    + "<KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>"
                    + KEY + "</Key><Size>" + (stored[0] == null ? 0 : stored[0].length) + "</Size></Contents>"
                    + "</ListBucketResult>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            send(exchange, xml);
        } else if (method.equals("GET")) {
            send(exchange, stored[0] == null ? new byte[0] : stored[0]);
        } else {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        }
    }

    private static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
