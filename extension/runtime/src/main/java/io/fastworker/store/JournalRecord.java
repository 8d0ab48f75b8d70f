package io.fastworker.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One record of the {@link Journal}, encoded only when it is written, by the journal's own thread into its buffer
 * (so that no caller allocates or copies the bytes). It must therefore capture values that no longer change.
 */
@FunctionalInterface
public interface JournalRecord {

    /** Writes the record's bytes; the journal frames and checksums them. */
    void writeTo(OutputStream out) throws IOException;

    /** A record already encoded. */
    static JournalRecord of(byte[] bytes) {
        return out -> out.write(bytes);
    }
}
