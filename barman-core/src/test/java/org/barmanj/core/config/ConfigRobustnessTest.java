package org.barmanj.core.config;

import org.barmanj.core.Fuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Parser robustness (see {@link Fuzz}): configuration files with mutated lines, options and values. */
class ConfigRobustnessTest {
    @TempDir
    Path home;

    @Test
    void configuration() throws IOException {
        Path conf = home.resolve("barman.conf");
        Path serverConf = home.resolve("barman.d/demo.conf");
        Files.createDirectories(serverConf.getParent());
        String main = "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\nconfiguration_files_directory = " + serverConf.getParent() + "\nlog_level = INFO\n"
                + "compression = gzip\n";
        StringBuilder demo = new StringBuilder("[demo]\ndescription = \"demo\"\nconninfo = host=127.0.0.1 port=1\n"
                + "ssh_command = ssh x@y\nbackup_directory = %(barman_home)s/demo\n  continued\n");
        List<String> keys = new ArrayList<>();
        for (Option o : Option.values()) {
            keys.add(o.key());
        }
        Fuzz.run("configuration", 1000, m -> m.contains(conf.toString()) || m.contains(serverConf.toString()),
                random -> {
            StringBuilder text = new StringBuilder(demo);
            for (int i = random.nextInt(8); i > 0; i--) {
                text.append(Fuzz.pick(random, keys)).append(random.nextBoolean() ? " = " : ": ")
                        .append(Fuzz.nasty(random)).append('\n');
            }
            boolean mainToo = random.nextInt(4) == 0;
            Files.writeString(conf, mainToo ? Fuzz.mutateLines(random, main) : main);
            Files.writeString(serverConf, Fuzz.mutateLines(random, text.toString()));
            BarmanConfig config = BarmanConfig.load(conf.toString(), Map.of(), home.toString());
            for (ServerConfig s : config.servers().values()) {
                s.values();
                s.retentionPolicy();
                for (Option o : Option.values()) {
                    if (o.type() == OptionType.ABSOLUTE_PATH || o.key().endsWith("_directory")) {
                        s.path(o);
                    }
                }
            }
        });
    }
}
