package org.barmanj.walarchive;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP listener on a loopback address that accepts connections and never sends a byte (no ssh banner): the
 * stalled backup host, and a witness of whether a client connected at all.
 */
final class SilentHost implements AutoCloseable {
    static final String ADDRESS = "127.0.0.1";
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    SilentHost() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName(ADDRESS));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (IOException e) {
                // Closed: the test is over.
            }
        }, "silent-host");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String port() {
        return String.valueOf(server.getLocalPort());
    }

    /** The connections accepted so far. */
    int connections() {
        return accepted.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }
}
