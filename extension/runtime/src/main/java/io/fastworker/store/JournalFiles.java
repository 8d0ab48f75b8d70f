package io.fastworker.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.jboss.logging.Logger;

/** The journal's files: their names, how a record is framed in them, and how one is read back. */
final class JournalFiles {

    private static final Logger LOG = Logger.getLogger(JournalFiles.class);
    /** A record's frame: its length and its CRC32C, before its bytes. */
    static final int HEADER = 8;
    /** Larger than any record the control plane writes (a task carries at most the API's body limit). */
    static final int MAX_RECORD = 256 << 20;

    private JournalFiles() {
    }

    /** Reads one file: {records, valid bytes, torn bytes at its end}. */
    static long[] read(Path file, Consumer<byte[]> each, boolean mayBeTorn) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer b = size == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CRC32C crc = new CRC32C();
            long records = 0;
            while (b.hasRemaining()) {
                int at = b.position();
                String problem;
                // What a crash in the middle of the last write can leave: a cut header or body, a zero-filled
                // tail, or a last record whose bytes did not all reach the disk.
                boolean tornShape;
                if (b.remaining() < HEADER) {
                    problem = "a record header cut short";
                    tornShape = true;
                } else {
                    int len = b.getInt();
                    int sum = b.getInt();
                    if (len <= 0 || len > MAX_RECORD) {
                        problem = "an impossible record length (" + len + ")";
                        tornShape = allZero(b, at);
                    } else if (b.remaining() < len) {
                        problem = "a record cut short";
                        tornShape = true;
                    } else {
                        byte[] body = new byte[len];
                        b.get(body);
                        crc.reset();
                        crc.update(body);
                        if ((int) crc.getValue() == sum) {
                            each.accept(body);
                            records++;
                            continue;
                        }
                        problem = "a checksum mismatch";
                        tornShape = !b.hasRemaining();
                    }
                }
                if (mayBeTorn && tornShape) {
                    return new long[] {records, at, size - at};
                }
                throw new CorruptJournalException(file, at, problem);
            }
            return new long[] {records, size, 0};
        }
    }

    private static boolean allZero(ByteBuffer b, int from) {
        for (int i = from; i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    static TreeMap<Long, Path> files(Path dir, String prefix) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*.log")) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                try {
                    found.put(Long.parseLong(name.substring(prefix.length(), name.length() - 4)), p);
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        return found;
    }

    /** Makes a new or renamed file's directory entry durable; not every platform lets a directory be opened. */
    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.debugf("directory sync not supported here: %s", e);
        }
    }
}
