package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import org.barmanj.core.server.GetWalRequest;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code barman get-wal}: sends an archived WAL file to stdout (barman-wal-restore reads it through ssh). */
@Command(name = "get-wal", description = "Retrieve WAL_NAME file from SERVER_NAME archive. The content will be streamed "
        + "on standard output unless the --output-directory option is specified.")
public final class GetWalCommand extends ServerCommand {
    @Option(names = {"-o", "--output-directory"}, paramLabel = "OUTPUT_DIRECTORY",
            description = "put the retrieved WAL file in this directory with the original name")
    Path outputDirectory;

    @Option(names = {"-P", "--partial"}, description = "retrieve also partial WAL files (.partial)")
    boolean partial;

    @Option(names = {"-p", "--peek"}, paramLabel = "VALUE", description = "peek from the WAL archive up to 'SIZE' WAL "
            + "files, starting from the requested one. 'SIZE' must be an integer >= 1. When invoked with this option, "
            + "get-wal returns a list of zero to 'SIZE' WAL segment names, one per row.")
    Integer peek;

    @Option(names = {"-t", "--test"}, description = "test both the connection and the configuration of the requested "
            + "PostgreSQL server in Barman for WAL retrieval. With this option, the 'wal_name' mandatory argument is "
            + "ignored.")
    boolean test;

    @ArgGroup(exclusive = true)
    OutputCompression compression;

    static final class OutputCompression {
        @Option(names = {"-z", "-x", "--gzip"}, description = "compress the output with gzip") boolean gzip;
        @Option(names = {"-j", "--bzip2"}, description = "compress the output with bzip2") boolean bzip2;
    }

    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", paramLabel = "WAL_NAME", description = "the WAL file to get")
    String walName;

    @Override
    int run(Session session) {
        BarmanServer server = session.activeServer(serverName);
        if (server == null) {
            return 1;
        }
        if (test) {
            session.output().info("Ready to retrieve WAL files from the server " + serverName);
            return 0;
        }
        String recompress = compression == null ? null : compression.gzip ? "gzip" : "bzip2";
        server.getWal(new GetWalRequest(walName, partial, peek, recompress, outputDirectory), session.stdout());
        return 0;
    }
}
