package io.fastworker.api;

import io.fastworker.engine.StateDigest;
import io.fastworker.replica.Membership;
import io.fastworker.replica.Replication;
import io.fastworker.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * This member of a cluster as it sees itself: every member answers for itself (followers do not redirect it), so
 * an operator can ask each one whether it holds what the others hold.
 */
@Tag(name = "Cluster",
        description = "This member of a cluster of control planes (quarkus-fastworker-cluster), about itself.")
@Path("/cluster")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {

    /**
     * {@code member}: this member's id; {@code serving}: whether it leads and serves; {@code leader}: the leader it
     * knows, or null; {@code term}: its Raft term; {@code appliedIndex}: the last entry of the log it applied;
     * {@code state}: the SHA-256 of its state and the size of that snapshot: members at the same applied index hold
     * the same state, so their fingerprints are equal.
     */
    @RegisterForReflection
    public record MemberView(String member, boolean serving, String leader, long term, long appliedIndex,
            StateDigest.Fingerprint state) {
    }

    @Inject
    Membership membership;

    @Inject
    StateDigest digest;

    /** This member, its place in the cluster and a fingerprint of its state (which reads the whole state). */
    @Operation(operationId = "getClusterMember", summary = "This cluster member",
            description = "Whether this member serves (is the leader), the leader it knows, its Raft term and the "
                    + "index it has applied.")
    @GET
    @RolesAllowed(Roles.ADMIN)
    public MemberView member() {
        Replication r = membership.replication();
        if (r == null) {
            throw new ProblemException(404, "not-clustered", "Not a member of a cluster", "this control plane runs "
                    + "alone: fastworker.cluster.members is not set");
        }
        long applied = r.appliedIndex();
        StateDigest.Fingerprint state = digest.take();
        return new MemberView(r.memberId(), membership.leading(),
                r.leader().map(Replication.Leader::id).orElse(null), r.term(), applied, state);
    }
}
