package io.fastworker.security;

import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Who is at the other end of a connection, as the socket says (never as a header or a field says). */
public final class Peers {

    private Peers() {
    }

    /** Whether the peer is on this host: an IP loopback address, or a Unix domain socket. */
    public static boolean loopback(SocketAddress peer) {
        if (peer == null) {
            return false;
        }
        if (peer.isDomainSocket()) {
            return true;
        }
        return peer.hostAddress() != null && loopback(peer.hostAddress());
    }

    /** Whether {@code host} (a name or an address) is a loopback address. */
    public static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
