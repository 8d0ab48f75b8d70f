package io.fastworker.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reads a journal's directory back, oldest first: the newest snapshot, then the segments after it. A torn last
 * record of the newest segment is cut off (and reported); corruption anywhere else throws, or, when asked, sets
 * the file aside and keeps the records before it.
 */
final class JournalReplay {

    /** What a replay found, and where appending goes on: after segment {@code lastSeq}. */
    record Found(Journal.Recovery recovery, long lastSeq, long snapshotBytes) {
    }

    private JournalReplay() {
    }

    static Found replay(Path dir, Consumer<byte[]> each, boolean setAsideCorrupt) throws IOException {
        TreeMap<Long, Path> segments = JournalFiles.files(dir, "journal-");
        TreeMap<Long, Path> snapshots = JournalFiles.files(dir, "snapshot-");
        long from = 0;
        long snapshotBytes = 0;
        List<Path> order = new ArrayList<>();
        if (!snapshots.isEmpty()) {
            from = snapshots.lastKey();
            order.add(snapshots.lastEntry().getValue());
            snapshotBytes = Files.size(snapshots.lastEntry().getValue());
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "snapshot-*.tmp")) {
            for (Path unfinished : s) {
                Files.delete(unfinished); // a compaction the last process did not finish; its segments are intact
            }
        }
        order.addAll(segments.tailMap(from, true).values());
        long bytes = 0;
        long torn = 0;
        String tornFile = null;
        String setAside = null;
        long lost = 0;
        Path newest = segments.isEmpty() ? null : segments.lastEntry().getValue();
        long[] counted = {0};
        Consumer<byte[]> counting = r -> {
            counted[0]++;
            each.accept(r);
        };
        for (Path file : order) {
            long[] result;
            try {
                result = JournalFiles.read(file, counting, file.equals(newest));
            } catch (CorruptJournalException e) {
                if (!setAsideCorrupt) {
                    throw e;
                }
                Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
                Files.move(file, aside);
                long size = Files.size(aside);
                try (FileChannel in = FileChannel.open(aside, StandardOpenOption.READ);
                        FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE)) {
                    in.transferTo(0, e.offset(), out); // the records before the corrupt one, read already
                    out.force(true);
                }
                JournalFiles.syncDirectory(dir);
                setAside = aside.getFileName().toString();
                lost += size - e.offset();
                bytes += e.offset();
                continue;
            }
            bytes += result[1];
            if (result[2] > 0) {
                torn = result[2];
                tornFile = file.getFileName().toString();
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(result[1]);
                    ch.force(true);
                }
            }
        }
        long lastSeq = Math.max(segments.isEmpty() ? 0 : segments.lastKey(), from);
        return new Found(new Journal.Recovery(counted[0], order.size(), torn, tornFile, bytes, setAside, lost),
                lastSeq, snapshotBytes);
    }
}
