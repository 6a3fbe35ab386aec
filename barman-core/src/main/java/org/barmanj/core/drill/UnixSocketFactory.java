package org.barmanj.core.drill;

import javax.net.SocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * pgjdbc's {@code socketFactory} for the drill's private server, which listens on a Unix socket only
 * ({@code listen_addresses = ''}). Why this rather than psql or {@code postgres --single}: the PostgreSQL 13 and 17
 * binaries of the lab (and of many installations) have no psql, single-user mode cannot run while the server
 * replays and answers, and pgjdbc is already ours; a TCP port, even on 127.0.0.1 with trust, would let any local
 * user in during the drill. Java 16+ connects {@link SocketChannel}s to {@link UnixDomainSocketAddress}es, but
 * {@code SocketChannel.socket()} is not supported for them, hence the small {@link Socket} adapter below: pgjdbc
 * only reads, writes, closes and sets options (which mean nothing here). The factory argument
 * ({@code socketFactoryArg}) is the socket file, {@code <dir>/.s.PGSQL.<port>}; the host and port of the URL are
 * ignored.
 */
public final class UnixSocketFactory extends SocketFactory {
    private final Path socket;

    public UnixSocketFactory(String socketFile) {
        this.socket = Path.of(socketFile);
    }

    @Override
    public Socket createSocket() throws IOException {
        return new UnixSocket(socket);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return createSocket();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return createSocket();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket();
    }

    /** A connected Unix-domain stream as a {@link Socket}. */
    private static final class UnixSocket extends Socket {
        private final SocketChannel channel;
        private final InputStream in;
        private final OutputStream out;
        private int timeout;

        UnixSocket(Path file) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(file));
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot connect to " + file + ": " + e.getMessage(), e);
            }
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
        }

        @Override
        public void connect(SocketAddress endpoint) {
            // Connected at creation.
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) {
            // Connected at creation.
        }

        @Override
        public boolean isConnected() {
            return channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return !channel.isOpen();
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        @Override
        public void setTcpNoDelay(boolean on) {
        }

        @Override
        public void setKeepAlive(boolean on) {
        }

        @Override
        public void setReceiveBufferSize(int size) {
        }

        @Override
        public void setSendBufferSize(int size) {
        }

        @Override
        public synchronized void setSoTimeout(int timeout) {
            // Not enforced: the drill's own time limit kills the server, which ends any read.
            this.timeout = timeout;
        }

        @Override
        public synchronized int getSoTimeout() {
            return timeout;
        }

        @Override
        public void shutdownInput() throws IOException {
            channel.shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }
    }
}
