package io.fastworker.cluster;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.jboss.logging.Logger;

/**
 * With mutual TLS, a member speaks Raft only as itself: a vote, an append, a snapshot or a read that names as its
 * sender a member whose Raft host the caller's certificate does not name is refused ({@code PERMISSION_DENIED}) and
 * never reaches Ratis. Per-member certificates thus bind each member id to its holder; one certificate for all
 * members (a wildcard) names every host, so any holder may speak as any member. Ratis' client and admin services,
 * which would let a certificate's holder write to every member's state or change the membership, are refused to
 * all: FastWorker proposes in the leader's own process.
 */
final class MemberIdentity implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(MemberIdentity.class);

    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    /** Each member's Raft host, by member id. */
    private final Map<String, String> hosts;
    /** When a refusal was last logged ({@link System#nanoTime}), 0 before the first. */
    private final AtomicLong lastLogged = new AtomicLong();
    /** Refusals since then that were not logged. */
    private final AtomicLong unlogged = new AtomicLong();

    MemberIdentity(Map<String, String> hosts) {
        this.hosts = Map.copyOf(hosts);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (!RaftServerProtocolServiceGrpc.SERVICE_NAME.equals(service)) {
            String why = "this port takes only the Raft protocol between members, not " + service + " (FastWorker "
                    + "proposes in the leader's process and never takes Ratis' client or admin calls from the network)";
            log(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
            call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        X509Certificate peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;
            /** The sender this call's messages named and were let through as (a stream names one sender). */
            private String allowed;

            @Override
            public void onMessage(Q message) {
                if (refused) {
                    return;
                }
                String sender = sender(message);
                if (sender != null && !sender.equals(allowed)) {
                    String why = refusal(peer, sender);
                    if (why != null) {
                        refused = true;
                        log(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
                        call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
                        return;
                    }
                    allowed = sender;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** Logs a refusal: at most one line every 10 s, which counts those it did not log since the last. */
    private void log(Object from, String why) {
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (last != 0 && now - last < LOG_EVERY_NANOS || !lastLogged.compareAndSet(last, now)) {
            unlogged.incrementAndGet();
            return;
        }
        long more = unlogged.getAndSet(0);
        LOG.warnf("Cluster: refused a Raft request from %s: %s%s", from, why,
                more == 0 ? "" : " (and " + more + " more refused since the last such line)");
    }

    /** Why a caller holding {@code peer} may not speak as member {@code sender}; null if it may (or names none). */
    String refusal(X509Certificate peer, String sender) {
        if (sender == null) {
            return null;
        }
        String host = hosts.get(sender);
        if (host == null) {
            String named = sender.length() > 64 ? sender.substring(0, 64) + "…" : sender;
            return "it names as its sender '" + named + "', which is not a member";
        }
        if (peer == null) {
            return "it names as its sender member " + sender + " without a certificate";
        }
        if (!RaftTls.names(peer, host)) {
            return "it names as its sender member " + sender + ", whose Raft host " + host + " its certificate does "
                    + "not name (it names " + RaftTls.sans(peer) + ")";
        }
        return null;
    }

    /** The member a server-to-server request says it comes from; null for any other message (a client's). */
    private static String sender(Object message) {
        RaftRpcRequestProto request;
        if (message instanceof AppendEntriesRequestProto m) {
            request = m.getServerRequest();
        } else if (message instanceof RequestVoteRequestProto m) {
            request = m.getServerRequest();
        } else if (message instanceof InstallSnapshotRequestProto m) {
            request = m.getServerRequest();
        } else if (message instanceof StartLeaderElectionRequestProto m) {
            request = m.getServerRequest();
        } else if (message instanceof ReadIndexRequestProto m) {
            request = m.getServerRequest();
        } else {
            return null;
        }
        return RaftPeerId.valueOf(request.getRequestorId()).toString();
    }

    private static X509Certificate peer(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
