package io.fastworker.link;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.execution.TaskOptions;
import io.fastworker.protocol.Join;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.MalformedMessageException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Who may join, and with what: the token (401), the join's shape and ranges (400), the worker id a client
 * certificate may join as (403). Identity comes from the connection (its certificate, the address it registered),
 * never from a field the client wrote about itself.
 */
@ApplicationScoped
class JoinPolicy {

    /** A join taken, or refused with a code and why. */
    record Decision(Join join, int code, String refusal) {

        static Decision refused(int code, String refusal) {
            return new Decision(null, code, refusal);
        }
    }

    @Inject
    FastWorkerConfig config;

    @Inject
    FastWorkerConfig.Link link;

    @Inject
    FastWorkerConfig.TaskDefaults taskDefaults;

    @Inject
    AnnouncedTasks announced;

    /** Decides on the join {@code body} a connection sent, having registered {@code registered} (null: nothing). */
    Decision admit(LinkConnection connection, JsonNode body, String registered) {
        if (link.token().isPresent() && !tokenMatches(body.get("token"), link.token().get())) {
            return Decision.refused(401, "unauthorized: wrong or missing token (fastworker.link.token)");
        }
        Join join;
        try {
            join = Join.read(body);
        } catch (MalformedMessageException e) {
            return Decision.refused(400, e.getMessage());
        }
        String problem = problem(join);
        if (problem != null) {
            return Decision.refused(400, problem);
        }
        if (link.tls().clientCa().isPresent()) {
            Set<String> names = connection.certificateNames();
            if (!mayJoinAs(names, join.workerId())) {
                return Decision.refused(403, "worker id '" + join.workerId() + "' is not one this connection's "
                        + "client certificate may join as (it names " + names + "): put the id in the certificate's "
                        + "CN or a DNS SAN, or map it with fastworker.link.tls.worker-ids");
            }
        }
        if (registered != null && !registered.equals(LinkProtocol.WORKER_PREFIX + join.workerId())) {
            return Decision.refused(400, "registered '" + registered + "' but joined as '" + join.workerId()
                    + "': a connection receives only for its own worker id");
        }
        return new Decision(join, 0, null);
    }

    /** What this control plane does not allow in a well-formed join; null when nothing. */
    private String problem(Join join) {
        if (join.protocol() < 1 || join.protocol() > LinkProtocol.VERSION) {
            return "unsupported protocol " + join.protocol() + "; this control plane speaks 1 to "
                    + LinkProtocol.VERSION;
        }
        if (join.workerId().equals(Identity.workerId(config))) {
            return "workerId '" + join.workerId() + "' is the control plane's own id; give the subworker another";
        }
        for (Map.Entry<String, TaskOptions.Overrides> e : join.options().entrySet()) {
            try {
                TaskOptions.withDefaults(taskDefaults, e.getValue(), "the options of '" + e.getKey() + "'");
            } catch (IllegalArgumentException | IllegalStateException x) {
                return x.getMessage().startsWith("the options") ? x.getMessage()
                        : "the options of '" + e.getKey() + "': " + x.getMessage();
            }
        }
        return announced.refusal(join.tasks());
    }

    private static boolean tokenMatches(JsonNode presented, String token) {
        return presented != null && presented.isTextual() && MessageDigest.isEqual(
                presented.textValue().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a client certificate naming {@code names} may join as {@code id} (mutual TLS). */
    private boolean mayJoinAs(Set<String> names, String id) {
        if (names.contains(id)) {
            return true;
        }
        for (String name : names) {
            String mapped = link.tls().workerIds().get(name);
            if (mapped != null && Arrays.stream(mapped.split(",")).map(String::trim).anyMatch(id::equals)) {
                return true;
            }
        }
        return false;
    }
}
