package org.barmanj.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cloud IT stands on: one S3Proxy of the lab (filesystem backend, one folder per bucket) and barmanj's
 * barman-cloud dist copied to /tmp so that PostgreSQL's OS user can run it. Barman 3.4's commands are on the PATH.
 */
final class CloudLab {
    static final String KEY = "barmanj-lab";
    static final String SECRET = "barmanj-lab-secret";
    static final String CREDS = "AWS_ACCESS_KEY_ID=" + KEY + " AWS_SECRET_ACCESS_KEY=" + SECRET;

    final int port;
    final String endpoint;
    /** S3Proxy's folder: DIR/BUCKET/KEY is the object BUCKET/KEY. */
    final Path s3Dir;
    final Path dist;

    /** {@code name} makes the folders /tmp/barmanj-it-NAME-s3 and -dist. */
    CloudLab(String name, int port) {
        this.port = port;
        this.endpoint = "http://127.0.0.1:" + port;
        this.s3Dir = Path.of("/tmp/barmanj-it-" + name + "-s3");
        this.dist = Path.of("/tmp/barmanj-it-" + name + "-dist");
    }

    /** A fresh S3Proxy with no bucket, and a fresh copy of barman-cloud/target/dist. */
    void start() {
        Proc.run("rm", "-rf", s3Dir.toString(), dist.toString()).ok();
        Lab.lab("s3", "start", String.valueOf(port), s3Dir.toString());
        Path built = Path.of(System.getProperty("barman.top", "../..")).resolve("barman-cloud/target/dist");
        Proc.run("cp", "-r", built.toString(), dist.toString()).ok();
        Proc.run("chmod", "-R", "a+rX", dist.toString()).ok();
    }

    void stop() {
        Lab.lab("s3", "stop", String.valueOf(port));
    }

    /** The bucket made up front (Barman 3.4's barman-cloud-backup fails if the WAL archiver creates it meanwhile). */
    void createBucket(String bucket) {
        Proc.run("mkdir", "-p", s3Dir.resolve(bucket).toString()).ok();
    }

    /** The path of barmanj's command; a bare name (barman-cloud-backup) is Barman 3.4's. */
    String ours(String command) {
        return dist.resolve("bin").resolve(command).toString();
    }

    /** command --endpoint-url ENDPOINT args, with the lab's credentials, as user (null: root). */
    Proc run(String user, String command, String... args) {
        return runWithSecret(user, SECRET, command, args);
    }

    Proc runWithSecret(String user, String secret, String command, String... args) {
        List<String> c = new ArrayList<>();
        if (user != null) {
            c.addAll(List.of("runuser", "-u", user, "--"));
        }
        c.addAll(List.of("env", "AWS_ACCESS_KEY_ID=" + KEY, "AWS_SECRET_ACCESS_KEY=" + secret, command,
                "--endpoint-url", endpoint));
        c.addAll(List.of(args));
        return Proc.run(c);
    }

    /** An archive_command running command (ours or Barman 3.4's) into url for server. */
    String archiveCommand(String command, String url, String server) {
        return "env " + CREDS + " " + command + " --endpoint-url " + endpoint + " " + url + " " + server + " %p";
    }

    /** A restore_command running command (ours or Barman 3.4's) from url for server. */
    String restoreCommand(String command, String url, String server) {
        return "env " + CREDS + " " + command + " --endpoint-url " + endpoint + " " + url + " " + server + " %f %p";
    }

    /** The file S3Proxy keeps the object BUCKET/KEY in. */
    Path object(String bucket, String key) {
        return s3Dir.resolve(bucket).resolve(key);
    }

    /** Waits up to 30 s for the object to appear; true if it did. */
    boolean awaitObject(Path object) throws InterruptedException {
        for (int i = 0; i < 300 && !Files.exists(object); i++) {
            Thread.sleep(100);
        }
        return Files.exists(object);
    }
}
