package org.eqprop.examples.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Javadoc of all four modules builds without errors, with doclint on (all groups but "missing"): broken
 * {@code {@link}}s, bad HTML and malformed tags fail the build, as {@code mvn javadoc:javadoc} would. This module's
 * test class path holds every module and dependency the sources refer to.
 */
class JavadocTest {

    @Test
    void theJavadocOfEveryModuleBuildsWithoutErrors(@TempDir Path out) {
        Path root = Path.of("..");
        List<String> sourcePath = new ArrayList<>();
        for (String module : List.of("dl4j-eqprop-core", "dl4j-eqprop-cuda", "dl4j-eqprop-spark",
                "dl4j-eqprop-examples")) {
            Path src = root.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), src.toString());
            sourcePath.add(src.toString());
        }
        ToolProvider javadoc = ToolProvider.findFirst("javadoc").orElseThrow();
        StringWriter log = new StringWriter();
        int rc = javadoc.run(new PrintWriter(log), new PrintWriter(log), "-quiet", "-Xdoclint:all,-missing",
                "--add-modules", "jdk.incubator.vector", "-d", out.toString(), "-cp",
                System.getProperty("java.class.path"), "-sourcepath", String.join(java.io.File.pathSeparator,
                        sourcePath), "-subpackages", "org.eqprop");
        assertEquals(0, rc, "javadoc reported errors:\n" + log);
    }
}
