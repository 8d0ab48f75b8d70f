package io.fastworker.config;

/** This process's worker id. */
public final class Identity {

    private Identity() {
    }

    /** The configured id, else {@code control-plane} or, for a subworker, host name plus process id. */
    public static String workerId(FastWorkerConfig config) {
        if (config.workerId().isPresent()) {
            return config.workerId().get();
        }
        if (config.role() != Role.SUBWORKER) {
            return "control-plane";
        }
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "subworker";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
