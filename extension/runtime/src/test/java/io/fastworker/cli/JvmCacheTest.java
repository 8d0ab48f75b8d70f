package io.fastworker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JvmCacheTest {

    @Test
    void java25AndLaterMakeAotCachesAndEarlierOnesClassDataSharingArchives() {
        assertEquals(JvmCache.CDS, JvmCache.of(17));
        assertEquals(JvmCache.CDS, JvmCache.of(24));
        assertEquals(JvmCache.AOT, JvmCache.of(25));
        assertEquals(JvmCache.AOT, JvmCache.of(26));
    }

    @Test
    void eachKindNamesItsFilesAndTheOptionsThatRecordAndUseThem() {
        Path dir = Path.of("/deployments");
        Path aot = JvmCache.AOT.file(dir, "subworker");
        assertEquals(Path.of("/deployments/subworker.aot"), aot);
        assertEquals("-XX:AOTCacheOutput=/deployments/subworker.aot", JvmCache.AOT.recordInto(aot));
        assertEquals("-XX:AOTCache=/deployments/subworker.aot", JvmCache.AOT.useOf(aot));
        Path jsa = JvmCache.CDS.file(dir, "cli");
        assertEquals(Path.of("/deployments/cli.jsa"), jsa);
        assertEquals("-XX:ArchiveClassesAtExit=/deployments/cli.jsa", JvmCache.CDS.recordInto(jsa));
        assertEquals("-XX:SharedArchiveFile=/deployments/cli.jsa", JvmCache.CDS.useOf(jsa));
    }
}
