package io.fastworker.store;

import java.io.IOException;
import java.nio.file.Path;

/** A record of the journal that is unreadable where a crash cannot have torn it: start-up stops. */
public final class CorruptJournalException extends IOException {

    private final transient Path file;
    private final long offset;

    CorruptJournalException(Path file, long offset, String problem) {
        super("the task store file " + file.toAbsolutePath() + " is corrupt at offset " + offset + " (" + problem
                + "); set fastworker.store.set-aside-corrupt=true to start anyway, setting the file aside");
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
