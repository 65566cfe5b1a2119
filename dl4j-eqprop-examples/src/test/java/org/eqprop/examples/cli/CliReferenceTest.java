package org.eqprop.examples.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/cli.md is what the parser generates ({@link CliReference}): regenerate it with
 * {@code ./eqprop help --markdown docs/cli.md} after changing a command or an option.
 */
class CliReferenceTest {

    static final Path PAGE = Paths.get("..", "docs", "cli.md");

    @Test
    void docsCliMdIsTheGeneratedReference() throws IOException {
        String generated = CliReference.markdown();
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        if (!page.equals(generated)) {
            String[] a = page.split("\n", -1);
            String[] b = generated.split("\n", -1);
            int line = 0;
            while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
                line++;
            }
            fail("docs/cli.md differs from what the parser generates, first at line " + (line + 1) + ":\n  page:      "
                    + (line < a.length ? a[line] : "(end)") + "\n  generated: " + (line < b.length ? b[line] : "(end)")
                    + "\nregenerate it: " + CliReference.REGENERATE);
        }
    }

    @Test
    void thePageListsEveryCommandAndEveryOption() {
        String generated = CliReference.markdown();
        CommandLine root = Cli.commandLine();
        for (CommandLine sub : root.getSubcommands().values()) {
            String name = sub.getCommandSpec().name();
            int section = generated.indexOf("## `" + name + "`\n");
            assertTrue(section > 0, "no section for " + name);
            int end = generated.indexOf("\n## ", section + 1);
            String text = generated.substring(section, end < 0 ? generated.length() : end);
            for (OptionSpec o : sub.getCommandSpec().options()) {
                assertTrue(text.contains(" " + o.longestName() + (o.arity().max() == 0 ? "" : "=")),
                        o.longestName() + " of " + name + " is not on the page");
            }
        }
    }
}
