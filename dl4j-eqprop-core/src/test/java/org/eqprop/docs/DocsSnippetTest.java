package org.eqprop.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Java shown in the docs compiles and runs. Every {@code ```java} block of {@code README.md} and of every page
 * under {@code docs/} (found on disk, see {@link MarkdownPages}) is one dynamic test, named after its page and line:
 *
 * <ul>
 *   <li>A block that declares a top-level class is a complete source file: it is compiled as it stands (its own
 *       imports only) and its {@code public static void main(String[])}, if it has one, is run.</li>
 *   <li>Any other block is a fragment: it becomes the body of a method, its {@code import} lines stay imports, the
 *       packages of {@link #PACKAGES} are imported too, and the method is run.</li>
 *   <li>Options after the language, in the fence's info string: {@code compile-only} (for code that needs real
 *       data or a long run: compiled against the real API, not run); {@code module=NAME} for code that needs
 *       another module of the project on its class path (the block is reported as skipped here, since this
 *       module's test class path does not have it). Any other option fails the test, so that a typo cannot turn a
 *       check off.</li>
 * </ul>
 */
class DocsSnippetTest {

    /** What a fragment may use without importing it. */
    static final String[] PACKAGES = {"org.eqprop.nn.conf", "org.eqprop.estimators", "org.eqprop.training",
            "org.eqprop.costs", "org.eqprop.spiking", "org.deeplearning4j.nn.conf",
            "org.deeplearning4j.nn.conf.layers", "org.deeplearning4j.nn.conf.inputs",
            "org.deeplearning4j.nn.multilayer", "org.deeplearning4j.nn.weights", "org.nd4j.linalg.activations",
            "org.nd4j.linalg.learning.config"};

    private static final Set<String> KNOWN_OPTIONS = Set.of("compile-only");
    private static final String THIS_MODULE = "dl4j-eqprop-core";
    private static final Pattern TOP_LEVEL_TYPE =
            Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+|abstract\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");
    private static final Pattern PUBLIC_TYPE =
            Pattern.compile("(?m)^public\\s+(?:final\\s+|abstract\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");

    @TestFactory
    List<DynamicTest> javaBlocksCompileAndRun() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path page : MarkdownPages.pages()) {
            for (MarkdownPages.Block block : MarkdownPages.blocks(page)) {
                if (block.language().equals("java")) {
                    tests.add(DynamicTest.dynamicTest(block.where() + " ```" + block.info(), () -> check(block)));
                }
            }
        }
        assertFalse(tests.isEmpty(), "the docs show no Java");
        assertTrue(tests.stream().anyMatch(t -> t.getDisplayName().startsWith("README.md:")),
                "README.md shows no Java");
        return tests;
    }

    private void check(MarkdownPages.Block block) throws Exception {
        boolean compileOnly = false;
        String module = THIS_MODULE;
        for (String option : block.options()) {
            if (KNOWN_OPTIONS.contains(option)) {
                compileOnly = true;
            } else if (option.startsWith("module=")) {
                module = option.substring("module=".length());
            } else {
                fail(block.where() + ": unknown option '" + option + "' in ```" + block.info()
                        + " (known: compile-only, module=NAME)");
            }
        }
        assumeTrue(module.equals(THIS_MODULE), block.where() + " needs the module " + module
                + ", which is not on " + THIS_MODULE + "'s test class path: not compiled here");

        Path dir = Files.createTempDirectory("docs-snippet");
        try {
            compileAndRun(block, dir, compileOnly);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private void compileAndRun(MarkdownPages.Block block, Path dir, boolean compileOnly) throws Exception {
        Matcher type = TOP_LEVEL_TYPE.matcher(block.text());
        String className;
        String source;
        boolean complete = type.find();
        if (complete) {
            Matcher publicType = PUBLIC_TYPE.matcher(block.text());
            className = publicType.find() ? publicType.group(1) : type.group(1);
            source = block.text();
        } else {
            className = "Snippet";
            source = fragment(block.text(), className);
        }
        Path src = dir.resolve(className + ".java");
        Files.writeString(src, source);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "a JDK is needed to compile the docs' code");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = compiler.run(null, null, errors, "-proc:none", "-encoding", "UTF-8", "-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertEquals(0, rc, block.where() + " does not compile:\n" + errors + "\n" + numbered(source));
        if (compileOnly) {
            return;
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> c = loader.loadClass(className);
            Method entry = entryPoint(c, complete);
            if (entry == null) {
                return;
            }
            try {
                entry.invoke(null, entry.getParameterCount() == 0 ? new Object[0] : new Object[]{new String[0]});
            } catch (InvocationTargetException e) {
                throw new AssertionError(block.where() + " throws " + e.getCause(), e.getCause());
            }
        }
    }

    /** run() of a fragment, or main(String[]) of a complete source file (null when it has none). */
    private static Method entryPoint(Class<?> c, boolean complete) {
        for (Method m : c.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            if (!complete && m.getName().equals("run") && m.getParameterCount() == 0) {
                return m;
            }
            if (complete && m.getName().equals("main") && m.getParameterCount() == 1
                    && m.getParameterTypes()[0] == String[].class) {
                return m;
            }
        }
        return null;
    }

    /** A fragment as the body of {@code run()}, its imports kept and {@link #PACKAGES} added. */
    static String fragment(String text, String className) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        for (String p : PACKAGES) {
            imports.append("import ").append(p).append(".*;\n");
        }
        return imports + "public class " + className + " {\n public static void run() throws Exception {\n" + body
                + "\n }\n}\n";
    }

    private static String numbered(String source) {
        StringBuilder out = new StringBuilder();
        String[] lines = source.split("\n");
        for (int i = 0; i < lines.length; i++) {
            out.append(String.format("%4d  %s%n", i + 1, lines[i]));
        }
        return out.toString();
    }
}
