package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's "Write your own worker" snippet compiles as written, imports included, against the task API (before,
 * it lacked its imports), and its install step skips the test suite; the test it shows is {@code
 * examples/custom-worker}'s own, which the build runs.
 */
class ReadmeSnippetIT {

    @Test
    void theTaskClassOfWriteYourOwnWorkerCompilesAsWritten() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Write your own worker");
        assertTrue(section >= 0);
        assertTrue(readme.substring(section).contains("`./mvnw -B install -DskipTests`"), "the install step skips the "
                + "test suite");
        int from = readme.indexOf("```java\n", section) + "```java\n".length();
        String source = readme.substring(from, readme.indexOf("```", from)).replaceAll("(?m)^   ", "");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        Path out = Files.createTempDirectory("readme-snippet-");
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
            JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///org/acme/words/WordTasks.java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            boolean ok = javac.getTask(errors, files, null, List.of("-classpath", System.getProperty(
                    "java.class.path"), "-d", out.toString(), "-proc:none"), null, List.of(file)).call();
            assertTrue(ok, "the README's snippet compiles:\n" + source + "\n" + errors);
        }
        assertEquals(true, Files.exists(out.resolve("org/acme/words/WordTasks.class")));
        Daemon.deleteTree(out);
    }

    @Test
    void theTestOfWriteYourOwnWorkerIsTheExamplesOwn() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("3. Test it in a `@QuarkusTest`");
        assertTrue(section >= 0);
        int from = readme.indexOf("```java\n", section) + "```java\n".length();
        String shown = readme.substring(from, readme.indexOf("   ```", from)).replaceAll("(?m)^   ", "");
        assertEquals(Files.readString(Path.of("..", "examples/custom-worker/src/test/java/com/example/words/"
                + "WordTasksTest.java")), shown);
    }
}
