package io.fastworker.callback;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where callbacks may go. Guarantees: with {@code fastworker.callbacks.allowed-hosts} unset, a callback goes only to
 * a public address: never to this host (loopback, or an address of its own interfaces), nor to a link-local,
 * private, unique-local, carrier-grade NAT, multicast or unspecified one, checked on the address the host resolves to
 * when it is sent (and connected to that very address, so a name cannot resolve to another one in between). With
 * it set, a callback goes only to the hosts it names, which may then be internal.
 */
public final class CallbackTargets {

    /** A host written as an address (IPv4 in any of its numeric forms, or bracketed IPv6): no lookup needed. */
    private static final Pattern LITERAL = Pattern.compile("(0x[0-9a-f]+|[0-9]+)(\\.(0x[0-9a-f]+|[0-9]+)){0,3}"
            + "|\\[[0-9a-f:.%]+\\]");

    private CallbackTargets() {
    }

    /**
     * Whether {@code host} is allowed: any host when nothing is configured; otherwise an exact (case-insensitive)
     * match, or for an entry {@code *.example.com} any subdomain of {@code example.com}.
     */
    public static boolean allowed(String host, Optional<List<String>> allowedHosts) {
        if (allowedHosts.isEmpty()) {
            return true;
        }
        return named(host, allowedHosts.get());
    }

    /** Whether {@code host} is one {@code allowedHosts} names (so it may be internal). */
    public static boolean named(String host, List<String> allowedHosts) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : allowedHosts) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.equals(h) || (e.startsWith("*.") && h.endsWith(e.substring(1)) && h.length() > e.length() - 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a host written as an address may not be called without being named in allowed-hosts, or null (also for a
     * host name: that is checked when the callback is sent, on what it resolves to).
     */
    public static String literalRefusal(String host) {
        if (!LITERAL.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
            return null;
        }
        try {
            return internal(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Why {@code address} is internal (not to be called unless its host is named), or null when it is public. */
    public static String internal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isAnyLocalAddress()) {
            return "an unspecified address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 255 && second == 255)) {
                return "a reserved address";
            }
        } else if (address instanceof Inet6Address && (b[0] & 0xfe) == 0xfc) {
            return "a unique-local address";
        }
        try {
            if (NetworkInterface.getByInetAddress(address) != null) {
                return "an address of this host";
            }
        } catch (SocketException e) {
            return "an address this host cannot check";
        }
        return null;
    }
}
