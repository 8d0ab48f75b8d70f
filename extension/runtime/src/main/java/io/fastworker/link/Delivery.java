package io.fastworker.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.TaskEngine;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.TaskMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends attempts to a subworker against the slots it granted, each under a lease that ends at its timeout plus
 * {@code fastworker.link.grace}; several per frame to a subworker that takes batches, as long as a frame stays within
 * its frame limit.
 */
@ApplicationScoped
class Delivery {

    /** Most tasks sent to one subworker in one frame. */
    static final int MAX_BATCH = 64;

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    WorkerRegistry registry;

    @Inject
    TaskEngine engine;

    @Inject
    ObjectMapper mapper;

    /**
     * Sends {@code batch} to {@code w}; hands the attempts back if it has left meanwhile. An attempt too big for any
     * frame fails at once ({@code bad_arguments}) instead of breaking the connection.
     */
    void deliver(RemoteWorker w, List<Assignment> batch) {
        List<Assignment> fitting = new ArrayList<>(batch.size());
        List<byte[]> encoded = new ArrayList<>(batch.size());
        for (Assignment a : batch) {
            byte[] task = TaskMessage.write(mapper.getFactory(), a.toAttempt(), w.batch);
            if (task.length + LinkProtocol.FRAME_OVERHEAD > w.maxFrameSize) {
                engine.attemptEnded(a, Outcome.failure(TaskError.of(TaskError.BAD_ARGUMENTS, "the task's arguments "
                        + "take " + task.length + " bytes, more than a link frame to subworker " + w.id
                        + " may carry (" + w.maxFrameSize + " bytes, fastworker.link.max-frame-size)")));
                continue;
            }
            fitting.add(a);
            encoded.add(task);
        }
        if (fitting.isEmpty()) {
            return;
        }
        if (!lease(w, fitting)) {
            for (Assignment a : fitting) {
                engine.handBack(a, TaskError.of(TaskError.WORKER_LOST, "subworker " + w.id
                        + " left before the task reached it"), Integer.MAX_VALUE);
            }
            return;
        }
        String address = LinkProtocol.WORKER_PREFIX + w.id;
        if (!w.batch) {
            for (int i = 0; i < fitting.size(); i++) {
                Map<String, String> headers = new HashMap<>(fitting.get(i).toAttempt().trace());
                headers.put("taskId", fitting.get(i).taskId());
                w.connection.send(LinkProtocol.messageFrame(address, headers, encoded.get(i)));
            }
            return;
        }
        List<byte[]> frame = new ArrayList<>();
        long size = LinkProtocol.FRAME_OVERHEAD;
        for (byte[] task : encoded) {
            if (!frame.isEmpty() && (frame.size() == MAX_BATCH || size + task.length + 1 > w.maxFrameSize)) {
                w.connection.send(LinkProtocol.batchFrame(address, frame));
                frame = new ArrayList<>();
                size = LinkProtocol.FRAME_OVERHEAD;
            }
            frame.add(task);
            size += task.length + 1;
        }
        w.connection.send(LinkProtocol.batchFrame(address, frame));
    }

    /** Takes one of {@code w}'s slots and a lease for each attempt; false when it left or has too few slots. */
    private boolean lease(RemoteWorker w, List<Assignment> attempts) {
        synchronized (registry.lock) {
            if (!registry.current(w) || attempts.size() > w.credits) {
                return false;
            }
            w.credits -= attempts.size();
            leaseAll(w, attempts);
            return true;
        }
    }

    /** Leases attempts a re-joining subworker still holds: they take no credit, it holds their slots already. */
    void adopt(RemoteWorker w, List<Assignment> held) {
        synchronized (registry.lock) {
            leaseAll(w, held);
        }
    }

    /** Each attempt's result is due by its timeout plus the grace, from now (under the registry's lock). */
    private void leaseAll(RemoteWorker w, List<Assignment> attempts) {
        long now = System.nanoTime();
        for (Assignment a : attempts) {
            long wait = a.options().timeout().plus(linkSettings.grace()).toNanos();
            w.leases.put(a.taskId(), new RemoteWorker.Lease(a, now + wait));
        }
    }
}
