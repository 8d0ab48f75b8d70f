package io.fastworker.cli;

import java.nio.file.Path;

/**
 * What {@code fastworker train-aot} makes for each role, by Java version: on Java 25+ the JVM's AOT cache (classes
 * loaded and linked, and method profiles for the JIT), before that a class-data-sharing archive (classes parsed and
 * verified, from the class path and from Quarkus' own class loader alike, so for any packaging).
 */
enum JvmCache {
    /** JEP 483, 514 and 515; only classes on the JVM's class path, so an {@code aot-jar}. */
    AOT(".aot", "-XX:AOTCacheOutput=", "-XX:AOTCache=", "AOT caches"),
    /** A dynamic AppCDS archive (JDK 13+), written when the JVM that records it exits. */
    CDS(".jsa", "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", "class-data-sharing archives");

    /** Where the JVM's AOT cache became a feature that records method profiles too (JEP 515). */
    static final int FIRST_AOT_JAVA = 25;

    private final String suffix;
    private final String record;
    private final String use;
    final String what;

    JvmCache(String suffix, String record, String use, String what) {
        this.suffix = suffix;
        this.record = record;
        this.use = use;
        this.what = what;
    }

    /** The kind a JVM of this Java feature version makes and uses. */
    static JvmCache of(int javaFeature) {
        return javaFeature >= FIRST_AOT_JAVA ? AOT : CDS;
    }

    /** The file of {@code role}'s cache in {@code dir}. */
    Path file(Path dir, String role) {
        return dir.resolve(role + suffix);
    }

    /** The option that has a JVM record this cache into {@code file} (written when it exits). */
    String recordInto(Path file) {
        return record + file;
    }

    /** The option that starts a JVM on {@code file}. */
    String useOf(Path file) {
        return use + file;
    }
}
