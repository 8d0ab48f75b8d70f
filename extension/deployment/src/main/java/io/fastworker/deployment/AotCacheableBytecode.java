package io.fastworker.deployment;

import io.quarkus.bootstrap.model.ApplicationModel;
import io.quarkus.deployment.QuarkusClassWriter;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.BytecodeTransformerBuildItem;
import io.quarkus.deployment.pkg.PackageConfig;
import io.quarkus.deployment.pkg.builditem.CurateOutcomeBuildItem;
import io.quarkus.maven.dependency.ResolvedDependency;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * In the {@code aot-jar} packaging, the classes of a dependency compiled for Java 5 or older (picocli's, which every
 * CLI call and every daemon start uses) are given to the application as Java 8 class files, so that a JDK 25 AOT
 * cache can hold them: the JDK leaves such old classes out of the cache (JDK-8349009) and then loads, verifies and
 * interprets them on every start. Their code is unchanged; only the class-file version and its stack-map frames
 * differ. Other packagings are left as they are.
 */
class AotCacheableBytecode {

    private static final Logger LOG = Logger.getLogger(AotCacheableBytecode.class);
    /** The first class-file version that an AOT cache holds together with its linked state (Java 6). */
    private static final int CACHEABLE = Opcodes.V1_6;

    @BuildStep
    void upgrade(PackageConfig packaging, CurateOutcomeBuildItem curate,
            BuildProducer<BytecodeTransformerBuildItem> transformers) {
        if (packaging.jar().type() != PackageConfig.JarConfig.JarType.AOT_JAR) {
            return;
        }
        ApplicationModel model = curate.getApplicationModel();
        for (ResolvedDependency dependency : model.getRuntimeDependencies()) {
            List<String> classes = oldClasses(dependency);
            for (String name : classes) {
                transformers.produce(new BytecodeTransformerBuildItem.Builder().setClassToTransform(name)
                        .setCacheable(true).setInputTransformer(AotCacheableBytecode::toJava8).build());
            }
            if (!classes.isEmpty()) {
                LOG.debugf("%s: %d classes given as Java 8 class files for the AOT cache", dependency.toCompactCoords(),
                        classes.size());
            }
        }
    }

    /** The classes of {@code dependency} compiled for Java 5 or older. */
    private static List<String> oldClasses(ResolvedDependency dependency) {
        List<String> names = new ArrayList<>();
        dependency.getContentTree().walk(visit -> {
            String path = visit.getRelativePath("/");
            if (path.endsWith(".class") && !path.startsWith("META-INF/") && !path.endsWith("module-info.class")
                    && version(visit.getPath()) < CACHEABLE) {
                names.add(path.substring(0, path.length() - ".class".length()).replace('/', '.'));
            }
        });
        return names;
    }

    /** The major version of a class file, read from its header alone. */
    private static int version(Path classFile) {
        try (InputStream in = Files.newInputStream(classFile)) {
            return version(in.readNBytes(8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The major version in a class file's first 8 bytes (a class file too short to have one counts as new). */
    private static int version(byte[] classFile) {
        return classFile.length < 8 ? Integer.MAX_VALUE : ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    /** {@code bytes} as a Java 8 class file with computed frames, or unchanged if it is Java 6 or newer. */
    static byte[] toJava8(String name, byte[] bytes) {
        if (version(bytes) >= CACHEABLE) {
            return bytes;
        }
        ClassReader reader = new ClassReader(bytes);
        // no reader given to the writer: it would copy the methods as they are, without the frames Java 8 requires
        ClassWriter writer = new QuarkusClassWriter(ClassWriter.COMPUTE_FRAMES);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String className, String signature, String superName,
                    String[] interfaces) {
                super.visit(Opcodes.V1_8, access, className, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
