package org.barmanj.cloud;

/**
 * What every barman-cloud command does around its own work, in Barman's order: connect (unreachable: exit 2),
 * stop there under {@code -t}, check or create the bucket, run the work; a failure the work did not handle is
 * logged as "Barman cloud <what> exception: ..." and exits 4.
 */
final class CloudCommand {
    /** What the command needs of the bucket before its work starts. */
    enum Bucket {
        /** Created if missing (the commands that write). */
        CREATE,
        /** "Bucket B does not exist", exit 1, if missing (the commands that read or delete). */
        REQUIRED,
        /** Whatever {@link S3Cloud#bucketExists} says: the work decides. */
        AS_IS
    }

    @FunctionalInterface
    interface Work {
        int run(S3Cloud cloud) throws Exception;
    }

    private CloudCommand() {}

    /** {@code what} completes Barman's "Barman cloud ... exception" line: "backup", "WAL archiver", ... */
    static int run(CloudArgs args, String what, Bucket bucket, Work work) {
        try (S3Cloud cloud = new S3Cloud(args)) {
            if (!cloud.testConnectivity()) {
                return CloudExit.NETWORK;
            }
            if (args.test) {
                return CloudExit.OK;
            }
            switch (bucket) {
                case CREATE -> cloud.setupBucket();
                case REQUIRED -> {
                    if (!cloud.bucketExists) {
                        CloudLog.error("Bucket " + cloud.bucket + " does not exist");
                        return CloudExit.OPERATION;
                    }
                }
                case AS_IS -> { }
            }
            return work.run(cloud);
        } catch (CloudExit e) {
            return e.code;
        } catch (Exception | LinkageError e) {
            CloudLog.error("Barman cloud " + what + " exception: " + S3Cloud.describe(e));
            return CloudExit.GENERAL;
        }
    }
}
