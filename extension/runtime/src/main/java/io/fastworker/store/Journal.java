package io.fastworker.store;

import io.fastworker.execution.DaemonThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * An append-only log of opaque records in one directory: numbered segments ({@code journal-N.log}) and, after a
 * compaction, a snapshot ({@code snapshot-N.log}) that stands for every segment before {@code N}. Each record is
 * framed as its length, its CRC32C and its bytes.
 *
 * <p>Guarantees: once the future of {@link #append} has completed normally, the record is on disk (with
 * {@code syncAlways}; otherwise it is written and synced within the sync interval) and {@link #replay} returns it
 * after any crash, in append order. A record of {@link #appendUnwaited} is written as soon as the records before
 * it and synced within the sync interval (or with the next waited-for record): a crash of the process loses none,
 * a crash of the machine may lose the last interval's. A record torn by a crash in the middle of its write (never acknowledged) is
 * detected by its checksum and dropped; any other unreadable record stops {@link #replay} with a
 * {@link CorruptJournalException} naming the file and the offset. Once a write or sync has failed, every further
 * append fails: nothing is acknowledged that is not stored.
 */
public final class Journal implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Journal.class);

    /**
     * What {@link #replay} found: records read, files, a torn tail dropped, and a corrupt file set aside (with
     * {@code setAsideCorrupt}: its name now, and the bytes after the corrupt record that could not be read).
     */
    public record Recovery(long records, int files, long tornBytes, String tornFile, long bytes, String setAside,
            long lostBytes) {
    }

    private final Path dir;
    private final boolean syncAlways;
    private final long syncIntervalNanos;

    private final Object lock = new Object();
    private List<JournalRecord> pending = new ArrayList<>();
    private CompletableFuture<Void> pendingDone = new CompletableFuture<>();
    /** Whether someone waits for a record of the pending group (only then does {@code syncAlways} sync it). */
    private boolean pendingWaited;
    private boolean closing;
    private volatile IOException failure;

    /** Guards the current segment: held by the committer while it writes and by a compaction while it rotates. */
    private final Object segmentLock = new Object();
    private FileChannel segment;
    /** Bytes written to the current segment (guarded by {@code segmentLock}). */
    private long segmentBytes;
    private long segmentSeq;
    private volatile long bytesSinceCompaction;
    private volatile long snapshotBytes;
    private Thread committer;
    private final FrameWriter frames = new FrameWriter(ByteBuffer.allocateDirect(1 << 20));
    private volatile java.util.function.LongConsumer syncTimes = nanos -> {};

    private Journal(Path dir, boolean syncAlways, Duration syncInterval) {
        this.dir = dir;
        this.syncAlways = syncAlways;
        this.syncIntervalNanos = syncInterval.toNanos();
    }

    /** Opens (creating if needed) the journal in {@code dir}; call {@link #replay}, then {@link #startAppending}. */
    public static Journal open(Path dir, boolean syncAlways, Duration syncInterval) throws IOException {
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new IOException("the store directory " + dir.toAbsolutePath() + " is not writable");
        }
        return new Journal(dir, syncAlways, syncInterval);
    }

    /** Receives the duration in nanoseconds of every sync of a group. */
    public void onSync(java.util.function.LongConsumer listener) {
        syncTimes = listener;
    }

    /** The journal's directory. */
    public Path directory() {
        return dir;
    }

    /**
     * Hands every stored record to {@code each}, oldest first: the newest snapshot, then the segments after it. A
     * torn last record of the newest segment is cut off (and reported); corruption anywhere else throws.
     */
    public Recovery replay(Consumer<byte[]> each) throws IOException {
        return replay(each, false);
    }

    /**
     * As {@link #replay(Consumer)}; with {@code setAsideCorrupt}, a corrupt file is renamed {@code *.corrupt-<time>}
     * (kept for inspection), the records before the corrupt one are kept, and what follows it in that file is lost.
     */
    public Recovery replay(Consumer<byte[]> each, boolean setAsideCorrupt) throws IOException {
        JournalReplay.Found found = JournalReplay.replay(dir, each, setAsideCorrupt);
        segmentSeq = found.lastSeq();
        snapshotBytes = found.snapshotBytes();
        bytesSinceCompaction = found.recovery().bytes() - found.snapshotBytes();
        return found.recovery();
    }

    /** Opens a new segment after what {@link #replay} read and starts the committer. */
    public void startAppending() throws IOException {
        synchronized (segmentLock) {
            segment = newSegment(++segmentSeq);
            segmentBytes = 0;
        }
        committer = DaemonThreads.named("fastworker-journal").newThread(this::commitLoop);
        committer.start();
    }

    private FileChannel newSegment(long seq) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(String.format("journal-%016d.log", seq)),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        JournalFiles.syncDirectory(dir);
        return ch;
    }

    /**
     * Appends a record; the future completes once it is durable (see the class guarantees), or exceptionally with
     * the {@link IOException} that stopped the journal.
     */
    public CompletableFuture<Void> append(JournalRecord record) {
        return add(List.of(record), true);
    }

    /**
     * Appends records that stand or fall together (a batch of submissions): they go into one group, which is
     * stored whole or not at all.
     */
    public CompletableFuture<Void> appendAll(List<JournalRecord> records) {
        return add(records, true);
    }

    /** Appends a record nobody waits for (see the class guarantees). */
    public void appendUnwaited(JournalRecord record) {
        add(List.of(record), false);
    }

    private CompletableFuture<Void> add(List<JournalRecord> records, boolean waited) {
        IOException failed = failure;
        if (failed != null) {
            return CompletableFuture.failedFuture(failed);
        }
        synchronized (lock) {
            if (closing) {
                return CompletableFuture.failedFuture(new IOException("the journal is closed"));
            }
            boolean wasEmpty = pending.isEmpty();
            if (wasEmpty) {
                pendingSince = System.nanoTime();
            }
            pending.addAll(records);
            pendingWaited |= waited;
            if (wasEmpty) {
                lock.notifyAll();
            }
            return pendingDone;
        }
    }

    /**
     * What is wrong with the journal's writer at {@code now} (nanoTime): its thread died while the journal works, or
     * records have waited to be written, or a write or sync has lasted, longer than {@code stallNanos}; null while
     * it keeps up (idle included). A failed store is reported by {@link #failure()} instead.
     */
    public String problem(long now, long stallNanos) {
        if (failure != null || closing) {
            return null;
        }
        Thread t = committer;
        if (t != null && !t.isAlive()) {
            return "journal: its writer thread died";
        }
        long since = Math.min(pendingSince == 0 ? now : pendingSince, writingSince == 0 ? now : writingSince);
        return now - since > stallNanos ? "journal: records have waited " + (now - since) / 1_000_000 + " ms to be "
                + "written" : null;
    }

    /** When the records now pending began to wait (nanoTime), 0 when none are; guarded by {@code lock}. */
    private volatile long pendingSince;
    /** When the group being written was taken (nanoTime), 0 between groups. */
    private volatile long writingSince;

    /** The first write or sync failure, once the journal has stopped accepting records; null while healthy. */
    public IOException failure() {
        return failure;
    }

    /** Bytes appended since the last compaction. */
    public long bytesSinceCompaction() {
        return bytesSinceCompaction;
    }

    /** Size of the newest snapshot (0 before the first compaction). */
    public long snapshotBytes() {
        return snapshotBytes;
    }

    private void commitLoop() {
        long lastSync = System.nanoTime();
        boolean unsynced = false;
        while (true) {
            List<JournalRecord> group;
            CompletableFuture<Void> done;
            boolean waited;
            synchronized (lock) {
                while (pending.isEmpty() && !closing) {
                    try {
                        if (unsynced) {
                            long left = syncIntervalNanos - (System.nanoTime() - lastSync);
                            if (left <= 0) {
                                break;
                            }
                            lock.wait(Math.max(1, left / 1_000_000));
                        } else {
                            lock.wait();
                        }
                    } catch (InterruptedException e) {
                        closing = true;
                    }
                }
                waited = pendingWaited;
                if (pending.isEmpty() && closing) {
                    group = null;
                    done = null;
                } else {
                    group = pending;
                    done = pendingDone;
                    writingSince = pendingSince == 0 ? System.nanoTime() : pendingSince;
                    pendingSince = 0;
                    pending = new ArrayList<>();
                    pendingDone = new CompletableFuture<>();
                    pendingWaited = false;
                }
            }
            try {
                if (group == null) {
                    synchronized (segmentLock) {
                        if (unsynced) {
                            segment.force(false);
                        }
                    }
                    return;
                }
                synchronized (segmentLock) {
                    long before = segmentBytes;
                    try {
                        write(group);
                    } catch (IOException e) {
                        // A group is stored whole or not at all: a refused submission must not come back later.
                        try {
                            segment.truncate(before);
                            segmentBytes = before;
                        } catch (IOException ignored) {
                            // a torn tail then, dropped by the next replay if it is the last record
                        }
                        throw e;
                    }
                    if ((syncAlways && waited) || System.nanoTime() - lastSync >= syncIntervalNanos) {
                        long t0 = System.nanoTime();
                        segment.force(false);
                        lastSync = System.nanoTime();
                        syncTimes.accept(lastSync - t0);
                        unsynced = false;
                    } else {
                        unsynced |= !group.isEmpty();
                    }
                }
                writingSince = 0;
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                IOException io = e instanceof IOException x ? x : new IOException(e);
                fail(io);
                if (done != null) {
                    done.completeExceptionally(io);
                }
                return;
            }
        }
    }

    private void fail(IOException e) {
        List<JournalRecord> dropped;
        CompletableFuture<Void> waiting;
        synchronized (lock) {
            failure = e;
            closing = true;
            dropped = pending;
            waiting = pendingDone;
            pending = new ArrayList<>();
        }
        LOG.errorf("The task store in %s stopped: %s; submissions are refused until the control plane is "
                + "restarted with a working store", dir.toAbsolutePath(), e.toString());
        if (!dropped.isEmpty()) {
            waiting.completeExceptionally(e);
        }
    }

    private void write(List<JournalRecord> group) throws IOException {
        long written = 0;
        for (JournalRecord r : group) {
            written += frames.put(segment, r);
        }
        frames.flush(segment);
        bytesSinceCompaction += written;
        segmentBytes += written;
    }

    /**
     * Rewrites the journal as the records {@code snapshot} produces, plus whatever is appended meanwhile: new
     * appends go to a fresh segment first, then {@code snapshot} is written beside it, synced and put in place, and
     * only then are the older files deleted. {@code snapshot} runs on the caller's thread, appends keep flowing.
     * Replaying a record the snapshot already reflects must be harmless.
     */
    public void compact(Consumer<Consumer<JournalRecord>> snapshot) throws IOException {
        long seq;
        synchronized (segmentLock) {
            if (failure != null) {
                throw failure;
            }
            segment.force(false);
            segment.close();
            seq = ++segmentSeq;
            segment = newSegment(seq);
            segmentBytes = 0;
            bytesSinceCompaction = 0;
        }
        Path tmp = dir.resolve(String.format("snapshot-%016d.tmp", seq));
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FrameWriter snapshotFrames = new FrameWriter(ByteBuffer.allocate(1 << 20));
            try {
                snapshot.accept(r -> {
                    try {
                        snapshotFrames.put(out, r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            snapshotFrames.flush(out);
            out.force(true);
            snapshotBytes = out.size();
        }
        Path target = dir.resolve(String.format("snapshot-%016d.log", seq));
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        JournalFiles.syncDirectory(dir);
        for (var e : JournalFiles.files(dir, "journal-").headMap(seq, false).values()) {
            Files.deleteIfExists(e);
        }
        for (var e : JournalFiles.files(dir, "snapshot-").headMap(seq, false).values()) {
            Files.deleteIfExists(e);
        }
    }

    /** Bytes the journal's files take on disk now. */
    public long sizeOnDisk() {
        long total = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.log")) {
            for (Path p : s) {
                total += Files.size(p);
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    /** Writes and syncs what is pending, then closes the files. */
    @Override
    public void close() {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        if (committer != null) {
            try {
                committer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (segmentLock) {
            if (segment != null && segment.isOpen()) {
                try {
                    segment.force(false);
                    segment.close();
                } catch (IOException e) {
                    LOG.warnf("closing the task store: %s", e.toString());
                }
            }
        }
    }
}
