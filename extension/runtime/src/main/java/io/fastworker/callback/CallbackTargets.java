package io.fastworker.callback;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Which hosts callbacks may go to ({@code fastworker.callbacks.allowed-hosts}). */
public final class CallbackTargets {

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
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : allowedHosts.get()) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.equals(h) || (e.startsWith("*.") && h.endsWith(e.substring(1)) && h.length() > e.length() - 1)) {
                return true;
            }
        }
        return false;
    }
}
