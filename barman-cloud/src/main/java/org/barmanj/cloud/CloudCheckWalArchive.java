package org.barmanj.cloud;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** barman-cloud-check-wal-archive: is this prefix safe for a new server (empty, or nothing at or past --timeline)? */
public final class CloudCheckWalArchive {
    static final String PROG = "barman-cloud-check-wal-archive";

    private static final String DESCRIPTION = "Checks that the WAL archive on the specified cloud storage can be"
            + " safely used for a new PostgreSQL server. barmanj supports the aws-s3 cloud provider.";

    private CloudCheckWalArchive() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("destination"),
                    CloudArgs.SERVER_NAME), 2, List.of(CloudOption.value("TIMELINE",
                            "The earliest timeline whose WALs should cause the check to fail", "--timeline")))
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            Long timeline = null;
            String t = args.value("--timeline");
            if (t != null) {
                try {
                    timeline = Long.parseLong(t);
                } catch (NumberFormatException e) {
                    timeline = -1L;
                }
                if (timeline < 1) {
                    args.fail(System.err, "argument --timeline: " + t + " is not a positive integer");
                }
            }
            return check(args, timeline);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int check(CloudArgs args, Long timeline) {
        String server = args.positionals.get(1);
        return CloudCommand.run(args, "WAL archive check", CloudCommand.Bucket.AS_IS, cloud -> {
            if (!cloud.bucketExists) {
                return CloudExit.OK; // As Barman: no bucket, nothing in the way.
            }
            Set<String> wals = new LinkedHashSet<>();
            for (String key : cloud.listKeys(WalNames.join(cloud.path, server, "wals") + "/", "")) {
                String base = WalNames.basename(key);
                if (WalNames.isAnyXlog(base)) {
                    wals.add(base);
                } else {
                    CloudCompression c = CloudCompression.bySuffix(base);
                    if (c != null && WalNames.isAnyXlog(base.substring(0, base.length() - c.suffix.length()))) {
                        wals.add(base.substring(0, base.length() - c.suffix.length()));
                    }
                }
            }
            String problem = null;
            if (timeline == null) {
                if (!wals.isEmpty()) {
                    problem = "Expected empty archive";
                }
            } else {
                List<String> unexpected = new ArrayList<>();
                for (String w : wals) {
                    if (WalNames.timeline(w) >= timeline) {
                        unexpected.add(w);
                    }
                }
                if (!unexpected.isEmpty()) {
                    problem = "Found " + unexpected.size() + " file" + (unexpected.size() > 1 ? "s" : "")
                            + " in WAL archive equal to or newer than timeline " + timeline;
                }
            }
            if (problem != null) {
                CloudLog.error("WAL archive check failed for server " + server + ": " + problem);
                return CloudExit.OPERATION;
            }
            return CloudExit.OK;
        });
    }
}
