package io.fastworker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal on real files: order, group commit, compaction, torn tails and corruption. */
class JournalTest {

    @TempDir
    Path dir;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static JournalRecord r(String s) {
        return JournalRecord.of(b(s));
    }

    List<String> reopen() throws Exception {
        List<String> read = new ArrayList<>();
        try (Journal j = Journal.open(dir, true, Duration.ofMillis(10))) {
            j.replay(r -> read.add(new String(r, StandardCharsets.UTF_8)));
        }
        return read;
    }

    Journal started() throws Exception {
        Journal j = Journal.open(dir, true, Duration.ofMillis(10));
        j.replay(r -> {});
        j.startAppending();
        return j;
    }

    @Test
    void concurrentAppendsShareSyncsAndComeBackInTheOrderEachWriterWroteThem() throws Exception {
        try (Journal j = started()) {
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 500; i++) {
                        j.append(r(writer + ":" + i)).join(); // durable before the next
                    }
                });
                writers.add(t);
                t.start();
            }
            for (Thread t : writers) {
                t.join();
            }
        }
        List<String> read = reopen();
        assertEquals(4000, read.size());
        int[] next = new int[8];
        for (String r : read) {
            String[] p = r.split(":");
            int w = Integer.parseInt(p[0]);
            assertEquals(next[w]++, Integer.parseInt(p[1]), "writer " + w + "'s records in order");
        }
    }

    @Test
    void aCompactionLeavesTheSnapshotThenWhatWasAppendedAfterIt() throws Exception {
        try (Journal j = started()) {
            for (int i = 0; i < 100; i++) {
                j.append(r("old-" + i));
            }
            j.append(r("old-last")).join();
            j.compact(sink -> {
                sink.accept(r("state-1"));
                sink.accept(r("state-2"));
            });
            j.append(r("new-1")).join();
        }
        assertEquals(List.of("state-1", "state-2", "new-1"), reopen());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().noneMatch(n -> n.equals("journal-0000000000000001.log")),
                    "segments before the snapshot are deleted: " + names);
        }
        // Compacting twice, and reopening after each, keeps only the newest snapshot.
        try (Journal j = started()) {
            j.compact(sink -> sink.accept(r("state-3")));
        }
        assertEquals(List.of("state-3"), reopen());
    }

    @Test
    void tornTailsAreCutOffAndReported() throws Exception {
        for (byte[] tail : List.of(new byte[] {0, 0, 0}, new byte[16], header(100, 7, 20), header(4, 999, 4))) {
            try (Journal j = started()) {
                j.append(r("kept")).join();
            }
            Path newest = newest();
            long intact = Files.size(newest);
            try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap(tail));
            }
            try (Journal j = Journal.open(dir, true, Duration.ofMillis(10))) {
                Journal.Recovery r = j.replay(x -> {});
                assertEquals(tail.length, r.tornBytes());
                assertEquals(newest.getFileName().toString(), r.tornFile());
            }
            assertEquals(intact, Files.size(newest));
        }
        assertEquals(List.of("kept", "kept", "kept", "kept"), reopen());
    }

    /** A record header (length, checksum) followed by {@code body} bytes of zeros. */
    static byte[] header(int length, int crc, int body) {
        return ByteBuffer.allocate(8 + body).putInt(length).putInt(crc).array();
    }

    @Test
    void corruptionAnywhereButTheLastRecordStopsReplayNamingFileAndOffset() throws Exception {
        try (Journal j = started()) {
            j.append(r("first")).join();
            j.append(r("second")).join();
        }
        Path segment = newest();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(b("X")), 9); // inside the first record's bytes
        }
        CorruptJournalException e = assertThrows(CorruptJournalException.class, this::reopen);
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    }

    @Test
    void aCorruptFileSetAsideKeepsTheRecordsBeforeTheCorruptOne() throws Exception {
        try (Journal j = started()) {
            j.append(r("first")).join();
            j.append(r("second")).join();
            j.append(r("third")).join();
        }
        try (Journal j = started()) {
            j.append(r("later")).join();
        }
        Path older;
        try (Stream<Path> s = Files.list(dir)) {
            older = s.filter(p -> p.getFileName().toString().startsWith("journal-")).min(Path::compareTo)
                    .orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(older, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(b("X")), 13 + 8 + 2); // inside "second"
        }
        assertThrows(CorruptJournalException.class, this::reopen);
        List<String> read = new ArrayList<>();
        try (Journal j = Journal.open(dir, true, Duration.ofMillis(10))) {
            Journal.Recovery r = j.replay(x -> read.add(new String(x, StandardCharsets.UTF_8)), true);
            assertTrue(r.setAside().startsWith(older.getFileName() + ".corrupt-"), r.toString());
            assertEquals(14 + 13, r.lostBytes(), "second and third");
        }
        assertEquals(List.of("first", "later"), read);
        assertEquals(List.of("first", "later"), reopen(), "the kept part reads back cleanly from then on");
    }

    @Test
    void aCompactionTheProcessDidNotFinishIsIgnored() throws Exception {
        try (Journal j = started()) {
            j.append(r("a")).join();
        }
        Files.write(dir.resolve("snapshot-0000000000000009.tmp"), b("half a snapshot"));
        assertEquals(List.of("a"), reopen());
        assertTrue(Files.notExists(dir.resolve("snapshot-0000000000000009.tmp")));
    }

    @Test
    void aClosedJournalRefusesRecords() throws Exception {
        Journal j = started();
        j.close();
        CompletableFuture<Void> f = j.append(r("late"));
        assertTrue(f.isCompletedExceptionally());
    }

    Path newest() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("journal-")).max(Path::compareTo).orElseThrow();
        }
    }
}
