package io.fastworker.bench.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.bindings.StringBinding;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.StoreConfig;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Measures, on this machine's disk, what a durable {@code 202} costs with each embedded storage candidate for the
 * control plane's journal: {@code writers} threads each submit a task record and wait until it is durable; one
 * committer thread writes whatever has queued up meanwhile as one group and syncs it once (group commit, no added
 * wait). Prints, per candidate, records per second, the latency a submitter waits (p50/p99), the mean group size and
 * bytes on disk per record; first, the plain fsync rate of the disk.
 *
 * <pre>java -jar bench/store/target/store-bench.jar [--records N] [--writers W] [--dir DIR] [--only a,b]</pre>
 */
public final class StoreBench {

    /** A store that makes a group of records durable before {@link #append} returns. */
    interface Candidate extends AutoCloseable {
        void append(List<Rec> group) throws Exception;

        /** Reads every record back (as recovery would) and returns how many there are. */
        long scan() throws Exception;

        @Override
        void close() throws Exception;
    }

    record Rec(String id, byte[] body) {
    }

    public static void main(String[] args) throws Exception {
        int records = 50_000;
        int writers = 64;
        Path dir = Path.of("target", "store-bench");
        List<String> only = List.of("journal", "mvstore", "xodus", "sqlite");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--writers" -> writers = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                default -> {
                    System.err.println("usage: store-bench [--records N] [--writers W] [--dir DIR] "
                            + "[--only journal,mvstore,xodus,sqlite]");
                    System.exit(2);
                }
            }
        }
        System.out.printf(Locale.ROOT, "disk under %s: %s%n", dir.toAbsolutePath(), fsyncRate(dir));
        System.out.printf(Locale.ROOT, "%d records of a task's acceptance (~%d bytes of JSON), %d concurrent "
                + "submitters, one sync per group%n", records, record(0).body.length, writers);
        System.out.printf(Locale.ROOT, "%-9s %12s %12s %12s %10s %14s %14s%n", "store", "records/s", "p50 µs",
                "p99 µs", "group", "bytes/record", "read back ms");
        for (String name : only) {
            Path where = clean(dir.resolve(name));
            try (Candidate c = open(name, where)) {
                // One unmeasured pass of a tenth, so that the JIT is not what is measured.
                int warmup = Math.max(1000, records / 10);
                run(c, warmup, writers, 0);
                Result r = run(c, records, writers, warmup);
                c.close();
                long bytes = size(where);
                long t0 = System.nanoTime();
                long found;
                try (Candidate again = open(name, where)) {
                    found = again.scan();
                }
                double readMs = (System.nanoTime() - t0) / 1e6;
                if (found != records + warmup) {
                    throw new IllegalStateException(name + " read back " + found + " of " + (records + warmup));
                }
                System.out.printf(Locale.ROOT, "%-9s %12.0f %12.0f %12.0f %10.1f %14.0f %14.0f%n", name, r.rate,
                        r.p50Micros, r.p99Micros, r.meanGroup, (double) bytes / (records + warmup), readMs);
            }
        }
    }

    static Candidate open(String name, Path dir) throws Exception {
        return switch (name) {
            case "journal" -> new Journal(dir);
            case "mvstore" -> new MvStore(dir);
            case "xodus" -> new Xodus(dir);
            case "sqlite" -> new Sqlite(dir);
            default -> throw new IllegalArgumentException("unknown store " + name);
        };
    }

    record Result(double rate, double p50Micros, double p99Micros, double meanGroup) {
    }

    /** Submitters wait for durability; one committer makes each group durable with one sync. */
    static Result run(Candidate c, int records, int writers, int idBase) throws Exception {
        BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(writers * 2);
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[records];
        AtomicInteger groups = new AtomicInteger();
        Thread committer = new Thread(() -> {
            List<Pending> batch = new ArrayList<>();
            List<Rec> recs = new ArrayList<>();
            try {
                while (true) {
                    Pending first = queue.take();
                    if (first.rec == null) {
                        return;
                    }
                    batch.add(first);
                    queue.drainTo(batch);
                    boolean stop = batch.get(batch.size() - 1).rec == null;
                    if (stop) {
                        batch.remove(batch.size() - 1);
                    }
                    for (Pending p : batch) {
                        recs.add(p.rec);
                    }
                    c.append(recs);
                    groups.incrementAndGet();
                    for (Pending p : batch) {
                        p.done.complete(null);
                    }
                    batch.clear();
                    recs.clear();
                    if (stop) {
                        return;
                    }
                }
            } catch (Exception e) {
                e.printStackTrace();
                System.exit(1);
            }
        }, "committer");
        committer.start();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            Thread t = new Thread(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < records;) {
                        long s = System.nanoTime();
                        Pending p = new Pending(record(idBase + i), new CompletableFuture<>());
                        queue.put(p);
                        p.done.get();
                        latencies[i] = System.nanoTime() - s;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        queue.put(new Pending(null, null));
        committer.join();
        Arrays.sort(latencies);
        return new Result(records / seconds, latencies[records / 2] / 1e3, latencies[(int) (records * 0.99)] / 1e3,
                (double) records / groups.get());
    }

    record Pending(Rec rec, CompletableFuture<Void> done) {
    }

    /** What the control plane would record on acceptance: the task's spec, as JSON. */
    static Rec record(int n) {
        String id = new UUID(0x5eed, n).toString();
        String json = "{\"id\":\"" + id + "\",\"name\":\"send_welcome_email\",\"args\":[" + n + ",\"user-" + n
                + "@example.com\"],\"kwargs\":{},\"priority\":\"normal\",\"maxRetries\":3,\"timeoutMs\":300000,"
                + "\"submittedAt\":\"2026-11-27T20:00:00.000000Z\",\"traceparent\":"
                + "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}";
        return new Rec(id, json.getBytes(StandardCharsets.UTF_8));
    }

    /** fsyncs per second of a plain append-and-force loop: the ceiling of any one-sync-per-group store. */
    static String fsyncRate(Path dir) throws IOException {
        Path f = clean(dir.resolve("fsync")).resolve("probe");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = 0;
            long t0 = System.nanoTime();
            long end = t0 + 3_000_000_000L;
            while (System.nanoTime() < end) {
                b.clear();
                ch.write(b);
                ch.force(false);
                n++;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return String.format(Locale.ROOT, "%.0f fsyncs/s (512-byte append + FileChannel.force, %.0f µs each)",
                    n / seconds, seconds * 1e6 / n);
        }
    }

    static Path clean(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Write-your-own: an append-only file of [length][crc32c][record], one force per group. */
    static final class Journal implements Candidate {
        private final FileChannel ch;
        private ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);

        private final Path file;

        Journal(Path dir) throws IOException {
            file = dir.resolve("journal.log");
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }

        @Override
        public long scan() throws IOException {
            long n = 0;
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer b = in.map(FileChannel.MapMode.READ_ONLY, 0, in.size());
                CRC32C crc = new CRC32C();
                byte[] body = new byte[4096];
                while (b.remaining() >= 8) {
                    int len = b.getInt();
                    int sum = b.getInt();
                    if (len > body.length) {
                        body = new byte[len];
                    }
                    b.get(body, 0, len);
                    crc.reset();
                    crc.update(body, 0, len);
                    if ((int) crc.getValue() != sum) {
                        throw new IOException("checksum mismatch at record " + n);
                    }
                    n++;
                }
            }
            return n;
        }

        @Override
        public void append(List<Rec> group) throws IOException {
            buf.clear();
            CRC32C crc = new CRC32C();
            for (Rec r : group) {
                if (buf.remaining() < r.body.length + 8) {
                    flip();
                }
                crc.reset();
                crc.update(r.body);
                buf.putInt(r.body.length).putInt((int) crc.getValue()).put(r.body);
            }
            flip();
            ch.force(false);
        }

        private void flip() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** H2's MVStore: a map of id to record, one commit and sync per group. */
    static final class MvStore implements Candidate {
        private final MVStore store;
        private final MVMap<String, byte[]> map;

        MvStore(Path dir) {
            store = new MVStore.Builder().fileName(dir.resolve("tasks.mv.db").toString()).autoCommitDisabled()
                    .open();
            map = store.openMap("tasks");
        }

        @Override
        public long scan() {
            long n = 0;
            for (var e : map.entrySet()) {
                n += e.getValue().length > 0 ? 1 : 0;
            }
            return n;
        }

        @Override
        public void append(List<Rec> group) {
            for (Rec r : group) {
                map.put(r.id, r.body);
            }
            store.commit();
            store.sync();
        }

        @Override
        public void close() {
            if (!store.isClosed()) {
                store.close();
            }
        }
    }

    /** JetBrains Xodus: a store of id to record, durable writes, one transaction per group. */
    static final class Xodus implements Candidate {
        private final Environment env;
        private final jetbrains.exodus.env.Store store;

        Xodus(Path dir) {
            env = Environments.newInstance(dir.toFile(), new EnvironmentConfig().setLogDurableWrite(true)
                    .setEnvCloseForcedly(true));
            store = env.computeInTransaction(txn -> env.openStore("tasks", StoreConfig.WITHOUT_DUPLICATES, txn));
        }

        @Override
        public long scan() {
            return env.computeInReadonlyTransaction(txn -> {
                long n = 0;
                try (jetbrains.exodus.env.Cursor c = store.openCursor(txn)) {
                    while (c.getNext()) {
                        n += c.getValue().getLength() > 0 ? 1 : 0;
                    }
                }
                return n;
            });
        }

        @Override
        public void append(List<Rec> group) {
            env.executeInTransaction(txn -> {
                for (Rec r : group) {
                    store.put(txn, StringBinding.stringToEntry(r.id), new ArrayByteIterable(r.body));
                }
            });
        }

        @Override
        public void close() {
            if (env.isOpen()) {
                env.close();
            }
        }
    }

    /** SQLite through its JDBC driver: WAL, synchronous=FULL, one transaction per group. */
    static final class Sqlite implements Candidate {
        private final Connection conn;
        private final PreparedStatement insert;

        Sqlite(Path dir) throws Exception {
            conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("tasks.db"));
            try (Statement s = conn.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, body BLOB NOT NULL)");
            }
            conn.setAutoCommit(false);
            insert = conn.prepareStatement("INSERT INTO tasks (id, body) VALUES (?, ?)");
        }

        @Override
        public long scan() throws Exception {
            long n = 0;
            try (Statement s = conn.createStatement(); var rs = s.executeQuery("SELECT id, body FROM tasks")) {
                while (rs.next()) {
                    n += rs.getBytes(2).length > 0 ? 1 : 0;
                }
            }
            return n;
        }

        @Override
        public void append(List<Rec> group) throws Exception {
            for (Rec r : group) {
                insert.setString(1, r.id);
                insert.setBytes(2, r.body);
                insert.addBatch();
            }
            insert.executeBatch();
            conn.commit();
        }

        @Override
        public void close() throws Exception {
            if (!conn.isClosed()) {
                conn.commit();
                conn.close();
            }
        }
    }
}
