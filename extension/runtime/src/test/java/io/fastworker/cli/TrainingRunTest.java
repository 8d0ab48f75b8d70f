package io.fastworker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingRunTest {

    @Test
    void trainingJvmsGetTheLayoutAndCollectorOptionsButNoCacheOfTheirOwn() {
        List<String> mine = List.of("-XX:+UseCompactObjectHeaders", "-Xmx512m", "-XX:+UseG1GC",
                "-XX:AOTCache=/deployments/cli.aot", "-XX:AOTMode=on", "-XX:SharedArchiveFile=app.jsa",
                "-XX:+AutoCreateSharedArchive", "-XX:ArchiveClassesAtExit=top.jsa", "-Dquarkus.http.port=1",
                "-XX:+ExitOnOutOfMemoryError");
        assertEquals(List.of("-XX:+UseCompactObjectHeaders", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError"),
                TrainingRun.forwarded(mine));
    }
}
