package io.fastworker.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The members of a cluster as configured: ids, Raft addresses and API URLs. */
record Members(Map<String, Member> byId) {

    /** One member: its id, the host and port of its Raft server, and the URL of its HTTP API. */
    record Member(String id, String host, int port, String apiUrl) {
        Member {
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                throw new IllegalArgumentException("a member id is 1 to 63 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit, got '" + id + "'");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("member " + id + ": port must be from 1 to 65535, got " + port);
            }
        }

        String address() {
            return host + ":" + port;
        }
    }

    Members {
        byId = Map.copyOf(byId);
    }

    /**
     * Reads {@code id=host:port,...} and {@code id=url,...}; members without a URL answer at
     * {@code http://host:httpPort}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static Members parse(String members, String apiUrls, int httpPort) {
        Map<String, String> urls = pairs(apiUrls == null ? "" : apiUrls, "fastworker.cluster.api-urls");
        Map<String, Member> all = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pairs(members, "fastworker.cluster.members").entrySet()) {
            String address = e.getValue();
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                throw new IllegalArgumentException("member " + e.getKey() + ": the address must be host:port, got '"
                        + address + "'");
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("member " + e.getKey() + ": the port must be a number, got '"
                        + address + "'");
            }
            String host = address.substring(0, colon);
            String url = urls.getOrDefault(e.getKey(), "http://" + host + ":" + httpPort);
            all.put(e.getKey(), new Member(e.getKey(), host, port, url.replaceAll("/+$", "")));
        }
        List<String> unknown = new ArrayList<>(urls.keySet());
        unknown.removeAll(all.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("fastworker.cluster.api-urls names " + unknown + ", which are not "
                    + "members");
        }
        if (all.size() < 3) {
            throw new IllegalArgumentException("a cluster has 3 or 5 members (a majority must survive losing one), "
                    + "got " + all.size());
        }
        if (all.size() > 7) {
            throw new IllegalArgumentException("a cluster has 3 or 5 members, at most 7, got " + all.size());
        }
        return new Members(all);
    }

    private static Map<String, String> pairs(String text, String property) {
        Map<String, String> out = new HashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.strip().length() - 1) {
                throw new IllegalArgumentException(property + ": each entry is id=value, got '" + part.strip() + "'");
            }
            String id = part.substring(0, eq).strip();
            if (out.put(id, part.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException(property + ": member " + id + " is listed twice");
            }
        }
        return out;
    }
}
