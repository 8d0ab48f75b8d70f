package io.fastworker.worker;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.protocol.Credit;
import io.fastworker.protocol.Held;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.Result;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Sends a subworker's results and freed slots: those that piled up since the last write go together, several
 * results per frame as long as a frame stays within the link's frame limit, with the freed slots as the credits of
 * the last one (or alone, as a credit). A result too big for any frame, or that cannot be written as JSON, becomes a
 * {@code bad_result} failure of its attempt: the link stays up.
 */
@ApplicationScoped
class ResultSender {

    private static final Logger LOG = Logger.getLogger(ResultSender.class);

    @Inject
    LinkClient link;

    @Inject
    ObjectMapper mapper;

    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final AtomicInteger freedSlots = new AtomicInteger();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private volatile boolean withholdSlots;
    /** Attempts started here whose result has not been written to a link yet: what a re-join reports it holds. */
    private final Map<String, Integer> holding = new ConcurrentHashMap<>();

    /** An attempt starts here: it is held until its result is written. */
    void hold(String taskId, int attempt) {
        holding.put(taskId, attempt);
    }

    /** An attempt that never started here (handed back): no longer held. */
    void release(String taskId, int attempt) {
        holding.remove(taskId, attempt);
    }

    /** The attempts held now, for a join. */
    List<Held> holding() {
        List<Held> out = new ArrayList<>();
        holding.forEach((id, attempt) -> out.add(new Held(id, attempt)));
        return out;
    }

    /** Queues a result, and the slot it frees when {@code freesSlot}. */
    void add(Result r, boolean freesSlot) {
        results.add(r);
        freed(freesSlot ? 1 : 0);
    }

    /** Counts slots freed (and flushes). */
    void freed(int slots) {
        if (slots > 0 && !withholdSlots) {
            freedSlots.addAndGet(slots);
        }
        if (flushPending.compareAndSet(false, true) && !link.onLink(this::flush)) {
            flushPending.set(false);
        }
    }

    /** A fresh link: the control plane knows nothing of this subworker's slots; they are granted anew. */
    void forgetFreedSlots() {
        freedSlots.set(0);
    }

    /** From now on no slot is granted (stopping). */
    void withholdSlots() {
        withholdSlots = true;
    }

    /** Writes what is waiting, on the link's event loop. */
    void flush() {
        flushPending.set(false);
        List<Result> batch = new ArrayList<>();
        for (Result r; (r = results.poll()) != null;) {
            batch.add(r.withCredits(0));
        }
        int credits = withholdSlots ? 0 : freedSlots.getAndSet(0);
        if (batch.isEmpty()) {
            if (credits > 0) {
                link.send(LinkProtocol.CREDIT, new Credit(credits).toJson());
            }
            return;
        }
        batch.set(batch.size() - 1, batch.get(batch.size() - 1).withCredits(credits));
        long room = link.frameLimit() - LinkProtocol.FRAME_OVERHEAD;
        List<byte[]> frame = new ArrayList<>();
        long size = 0;
        for (Result r : batch) {
            byte[] encoded = encode(r, room);
            if (!frame.isEmpty() && size + encoded.length + 1 > room) {
                link.write(LinkProtocol.sendFrame(LinkProtocol.RESULT, "results", frame));
                frame = new ArrayList<>();
                size = 0;
            }
            frame.add(encoded);
            size += encoded.length + 1;
        }
        link.write(frame.size() == 1 ? LinkProtocol.sendFrame(LinkProtocol.RESULT, frame.get(0))
                : LinkProtocol.sendFrame(LinkProtocol.RESULT, "results", frame));
        batch.forEach(r -> holding.remove(r.taskId(), r.attempt()));
    }

    /** A result as JSON within {@code room} bytes; else its attempt's {@code bad_result} failure. */
    private byte[] encode(Result r, long room) {
        String why;
        try {
            byte[] bytes = bytes(r);
            if (bytes.length <= room) {
                return bytes;
            }
            LOG.warnf("Task(id=%s, attempt=%d): its result takes %d bytes, more than a link frame may carry (%d, "
                    + "fastworker.link.max-frame-size); reporting bad_result", r.taskId(), r.attempt(), bytes.length,
                    link.frameLimit());
            why = "the result takes " + bytes.length + " bytes, more than a link frame may carry ("
                    + link.frameLimit() + " bytes, fastworker.link.max-frame-size)";
        } catch (IOException e) {
            why = "the result cannot be written as JSON: " + e.getMessage();
        }
        Result failed = new Result(r.taskId(), r.attempt(), Outcome.failure(TaskError.of(TaskError.BAD_RESULT, why)),
                r.credits());
        try {
            return bytes(failed);
        } catch (IOException e) {
            throw new IllegalStateException("a failure cannot be written as JSON", e);
        }
    }

    private byte[] bytes(Result r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            r.write(g);
        }
        return out.toByteArray();
    }
}
