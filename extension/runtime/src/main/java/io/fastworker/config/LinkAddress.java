package io.fastworker.config;

/** A {@code tcp://host:port} (plaintext) or {@code tls://host:port} address of the control plane's link. */
public record LinkAddress(String host, int port, boolean tls) {

    public LinkAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, got " + port);
        }
    }

    /** @throws IllegalArgumentException naming what is wrong with the text */
    public static LinkAddress parse(String text) {
        String t = text.trim();
        boolean tls = false;
        if (t.startsWith("tcp://")) {
            t = t.substring("tcp://".length());
        } else if (t.startsWith("tls://")) {
            t = t.substring("tls://".length());
            tls = true;
        } else if (t.contains("://")) {
            throw new IllegalArgumentException("must be tcp://host:port or tls://host:port, got '" + text + "'");
        }
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("must be tcp://host:port or tls://host:port, got '" + text + "'");
        }
        try {
            return new LinkAddress(t.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(t.substring(colon + 1)), tls);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number in '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return (tls ? "tls://" : "tcp://") + host + ":" + port;
    }
}
