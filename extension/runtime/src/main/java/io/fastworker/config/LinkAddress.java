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

    /**
     * A comma-separated list of addresses (the members of a cluster), all {@code tcp://} or all {@code tls://}.
     *
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static java.util.List<LinkAddress> parseAll(String text) {
        java.util.List<LinkAddress> all = new java.util.ArrayList<>();
        for (String one : text.split(",")) {
            if (!one.isBlank()) {
                all.add(parse(one));
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("must be tcp://host:port or tls://host:port, or a comma-separated "
                    + "list of them, got '" + text + "'");
        }
        if (all.stream().map(LinkAddress::tls).distinct().count() > 1) {
            throw new IllegalArgumentException("the addresses must be all tcp:// or all tls://, got '" + text + "'");
        }
        return java.util.List.copyOf(all);
    }

    @Override
    public String toString() {
        return (tls ? "tls://" : "tcp://") + host + ":" + port;
    }
}
