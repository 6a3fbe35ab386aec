package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Json;
import org.barmanj.cli.output.Output;
import org.barmanj.core.Secrets;
import org.barmanj.core.server.Diagnosis;
import picocli.CommandLine.Command;

import java.util.Map;

/**
 * {@code barman diagnose}: the configuration, system information, PostgreSQL status, backups and WAL archive of
 * every server as one JSON document (Barman's, indented by 4 and sorted), passwords redacted.
 */
@Command(name = "diagnose", description = "Diagnostic command (for support and problems detection purpose)")
public final class DiagnoseCommand extends ServerCommand {
    @Override
    int run(Session session) {
        Output out = session.output();
        Map<String, Object> diagnosis = Diagnosis.collect(session.config(), session::service, out);
        out.infoRedacted(Json.writeIndented(diagnosis, Secrets::redact));
        return 0;
    }
}
