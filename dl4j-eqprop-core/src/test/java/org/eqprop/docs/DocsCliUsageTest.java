package org.eqprop.docs;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line reference (docs/cli.md) shows the usage text of the {@code eqprop} command exactly: the block that
 * starts with {@code usage: eqprop} equals the {@code USAGE} constant of
 * {@code dl4j-eqprop-examples/.../cli/Main.java}, read from its source (the examples module is not on this module's
 * class path), so that a new option cannot be missing from the docs.
 */
class DocsCliUsageTest {

    private static final String MAIN = "dl4j-eqprop-examples/src/main/java/org/eqprop/examples/cli/Main.java";
    private static final String START = "static final String USAGE = String.join(\"\\n\",";

    @Test
    void cliPageShowsTheUsageTextOfMain() {
        String source = MarkdownPages.read(MarkdownPages.ROOT.resolve(MAIN));
        int from = source.indexOf(START);
        assertTrue(from >= 0, MAIN + " no longer declares USAGE as String.join(\"\\n\", ...)");
        String usage = String.join("\n", literals(source, from + START.length())) + "\n";

        Path page = MarkdownPages.ROOT.resolve("docs/cli.md");
        String shown = null;
        for (MarkdownPages.Block block : MarkdownPages.blocks(page)) {
            if (block.text().startsWith("usage: eqprop")) {
                shown = block.text();
            }
        }
        assertTrue(shown != null, "docs/cli.md shows no block starting with 'usage: eqprop'");
        assertEquals(usage, shown, "docs/cli.md's usage block differs from Main.USAGE: copy it again");
    }

    /**
     * The arguments of the String.join call that starts at {@code at}: string literals joined by {@code +} within an
     * argument, arguments separated by commas, up to the closing parenthesis.
     */
    static List<String> literals(String s, int at) {
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = at;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                while (s.charAt(i) != '"') {
                    char d = s.charAt(i);
                    if (d == '\\') {
                        char e = s.charAt(++i);
                        switch (e) {
                            case 'n' -> current.append('\n');
                            case 't' -> current.append('\t');
                            case '"', '\\', '\'' -> current.append(e);
                            default -> throw new IllegalArgumentException("escape \\" + e + " in USAGE");
                        }
                    } else {
                        current.append(d);
                    }
                    i++;
                }
            } else if (c == ',') {
                args.add(current.toString());
                current.setLength(0);
            } else if (c == ')') {
                args.add(current.toString());
                return args;
            } else if (c != '+' && !Character.isWhitespace(c)) {
                throw new IllegalArgumentException("USAGE is no longer made of string literals only: '" + c + "'");
            }
            i++;
        }
        throw new IllegalArgumentException("USAGE does not end");
    }
}
