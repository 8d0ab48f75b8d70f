package io.fastworker.replica;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * This control plane's place in a cluster, when a {@link Replication} is configured: a follower keeps the state up to
 * date and serves nothing; the leader, once it has taken up the work, does what a single control plane does.
 * Without a cluster it always leads.
 */
@ApplicationScoped
public class Membership {

    @Inject
    Instance<Replication> candidates;

    private Replication replication;
    private volatile boolean leading;
    private volatile Runnable whenLeading = () -> {};

    @PostConstruct
    void find() {
        for (Replication r : candidates) {
            if (r.configured()) {
                replication = r;
            }
        }
        leading = replication == null;
    }

    /** Whether this control plane is a member of a cluster. */
    public boolean clustered() {
        return replication != null;
    }

    /** The cluster's log; null without a cluster. */
    public Replication replication() {
        return replication;
    }

    /** Whether this control plane serves: it leads and has taken up the work (always, without a cluster). */
    public boolean leading() {
        return leading;
    }

    /** What runs once this member leads and has taken up the state (the control plane's services start). */
    public void whenLeading(Runnable start) {
        whenLeading = start;
    }

    /** Called once the state is taken up by a new leader: starts the services, then serves. */
    public void lead() {
        whenLeading.run();
        leading = true;
    }

    /** The leader as this member knows it, when that is another member; empty while none is known or it is us. */
    public Optional<Replication.Leader> otherLeader() {
        if (replication == null) {
            return Optional.empty();
        }
        return replication.leader().filter(l -> !l.id().equals(replication.memberId()));
    }

    /** Why this member does not serve (for readiness and refusals), or null when it does. */
    public String notServing() {
        if (leading) {
            return null;
        }
        Optional<Replication.Leader> l = replication.leader();
        if (l.isEmpty()) {
            return "no leader known (an election is under way, or no majority of the members is reachable)";
        }
        if (l.get().id().equals(replication.memberId())) {
            return "elected leader in term " + l.get().term() + ", taking up the state";
        }
        return "follower of " + l.get().id();
    }
}
