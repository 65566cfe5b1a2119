package org.eqprop.docs;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Java shown in the docs compiles and runs: every ```java block of a page becomes the body of a method (its
 * {@code import} lines stay imports; the project's main packages are imported too), is compiled against the test
 * class path and invoked.
 */
class DocsSnippetTest {

    private static final String[] PACKAGES = {"org.eqprop.nn.conf", "org.eqprop.estimators", "org.eqprop.training",
            "org.deeplearning4j.nn.conf", "org.deeplearning4j.nn.conf.layers", "org.nd4j.linalg.learning.config"};

    @ParameterizedTest
    @ValueSource(strings = {"docs/holomorphic-eqprop.md", "docs/langevin-eqprop.md"})
    void javaBlocksCompileAndRun(String page, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = Paths.get("..").resolve(page);
        String text = Files.readString(file);
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertFalse(blocks.isEmpty(), page + " shows no Java");
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "a JDK is needed to compile the docs' code");
        for (int b = 0; b < blocks.size(); b++) {
            String name = "Snippet" + b;
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : blocks.get(b).split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            for (String p : PACKAGES) {
                imports.append("import ").append(p).append(".*;\n");
            }
            String source = imports + "public class " + name + " {\n public static void run() throws Exception {\n"
                    + body + "\n }\n}\n";
            Path src = dir.resolve(name + ".java");
            Files.writeString(src, source);
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int rc = compiler.run(null, null, errors, "-d", dir.toString(), "-cp",
                    System.getProperty("java.class.path"), src.toString());
            assertEquals(0, rc, page + " block " + (b + 1) + " does not compile:\n" + errors + "\n" + source);
            try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.toUri().toURL()},
                    getClass().getClassLoader())) {
                Method run = loader.loadClass(name).getMethod("run");
                run.invoke(null);
            }
        }
    }
}
