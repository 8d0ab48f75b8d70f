package io.fastworker.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class RoleProfileLogFilterTest {

    private final RoleProfileLogFilter filter = new RoleProfileLogFilter();

    @Test
    void dropsOnlyTheNativeProfileMismatchWarning() {
        // the message as Quarkus 3.33's ConfigRecorder builds it
        assertFalse(filter.isLoggable(new LogRecord(Level.WARNING, "The profile '[prod]' used to build the native "
                + "image is different from the runtime profile '[prod, control-plane]'. This may lead to unexpected "
                + "results.")));
        assertTrue(filter.isLoggable(new LogRecord(Level.WARNING, "Build time property cannot be changed at "
                + "runtime:\n - quarkus.x is set to 'a' but it is build time fixed to 'b'")));
        assertTrue(filter.isLoggable(new LogRecord(Level.INFO, "The profile is fine")));
        assertTrue(filter.isLoggable(new LogRecord(Level.INFO, null)));
    }
}
