package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Picocli's Java 5 classes, given as Java 8 class files: every one of them loads, links and verifies. */
class AotCacheableBytecodeTest {

    @Test
    void everyPicocliClassBecomesAVerifiableJava8Class() throws Exception {
        Upgraded loader = new Upgraded();
        List<String> names = picocliClasses();
        assertTrue(names.size() > 100, "picocli's classes: " + names.size());
        for (String name : names) {
            Class<?> c = Class.forName(name, true, loader); // initialised, so linked and verified
            assertSame(loader, c.getClassLoader(), name);
        }
        assertEquals(names.size(), loader.upgraded, "every one was Java 5 and is now Java 8");
    }

    @Test
    void aClassOfJava6OrLaterIsLeftAsItIs() throws Exception {
        byte[] own = bytes(AotCacheableBytecodeTest.class.getName());
        assertSame(own, AotCacheableBytecode.toJava8(AotCacheableBytecodeTest.class.getName(), own));
    }

    private static List<String> picocliClasses() throws IOException, URISyntaxException {
        Path jar = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry e : file.stream().toList()) {
                if (e.getName().endsWith(".class") && !e.getName().contains("-")) { // not module-info
                    names.add(e.getName().replace('/', '.').substring(0, e.getName().length() - 6));
                }
            }
        }
        return names;
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = AotCacheableBytecodeTest.class.getClassLoader()
                .getResourceAsStream(name.replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Loads picocli's classes itself, upgraded, and everything else from the test's class path. */
    private static final class Upgraded extends ClassLoader {
        int upgraded;

        Upgraded() {
            super(AotCacheableBytecodeTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("picocli.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        byte[] old = bytes(name);
                        assertEquals(49, major(old), name + " is Java 5");
                        byte[] upgraded = AotCacheableBytecode.toJava8(name, old);
                        assertEquals(52, major(upgraded), name);
                        this.upgraded++;
                        c = defineClass(name, upgraded, 0, upgraded.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }

        private static int major(byte[] b) {
            return ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        }
    }
}
