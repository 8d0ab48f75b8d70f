package io.fastworker.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Encodes records into one reusable scratch buffer and frames them ({@code [length][CRC32C][bytes]}) into one
 * output buffer, written out to a channel when full.
 */
final class FrameWriter {
    private final CRC32C crc = new CRC32C();
    private final Scratch scratch = new Scratch();
    private ByteBuffer buffer;

    FrameWriter(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** Adds one record; returns the bytes it takes in the file. */
    long put(FileChannel out, JournalRecord record) throws IOException {
        scratch.reset();
        record.writeTo(scratch);
        int length = scratch.size();
        if (length == 0 || length > JournalFiles.MAX_RECORD) {
            throw new IOException("a journal record of " + length + " bytes (at most " + JournalFiles.MAX_RECORD + ")");
        }
        if (buffer.remaining() < JournalFiles.HEADER + length) {
            flush(out);
            if (buffer.capacity() < JournalFiles.HEADER + length) {
                buffer = ByteBuffer.allocateDirect(JournalFiles.HEADER + length);
            }
        }
        crc.reset();
        crc.update(scratch.bytes(), 0, length);
        buffer.putInt(length).putInt((int) crc.getValue()).put(scratch.bytes(), 0, length);
        if (scratch.bytes().length > 1 << 20) {
            scratch.shrink(); // one huge result must not pin its buffer for the life of the journal
        }
        return JournalFiles.HEADER + length;
    }

    void flush(FileChannel out) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        buffer.clear();
    }

    /** A growable buffer whose bytes are read in place. */
    private static final class Scratch extends ByteArrayOutputStream {
        Scratch() {
            super(1024);
        }

        byte[] bytes() {
            return buf;
        }

        void shrink() {
            buf = new byte[1024];
            count = 0;
        }
    }
}
