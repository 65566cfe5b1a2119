package org.eqprop.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.stream.Collectors;

/**
 * docs/cli.md, generated from the command line's model ({@link Cli}): the help of {@code eqprop} and of every
 * command, as {@code --help} prints them, under one heading per command with links to the pages about it.
 * {@code eqprop help --markdown docs/cli.md} writes it; {@code CliReferenceTest} fails when the page differs.
 */
final class CliReference {

    /** The command that writes the page, run from the repository root. */
    static final String REGENERATE = "./eqprop help --markdown docs/cli.md";

    private CliReference() {
    }

    /** The page. */
    static String markdown() {
        // picocli lets this property override the width of every help text: the page must not depend on it
        String width = System.clearProperty("picocli.usage.width");
        try {
            return page(Cli.commandLine());
        } finally {
            if (width != null) {
                System.setProperty("picocli.usage.width", width);
            }
        }
    }

    private static String page(CommandLine root) {
        StringBuilder md = new StringBuilder();
        md.append("# The `eqprop` command line\n\n");
        md.append("<!-- generated from the parser by `").append(REGENERATE).append("`: do not edit -->\n\n");
        paragraph(md, "This page is generated from the parser's declarations of the commands and options "
                + "(`org.eqprop.examples.cli`): after changing one, run `" + REGENERATE + "`; the test "
                + "`CliReferenceTest` fails while the page differs from what the parser generates.");
        paragraph(md, "`./eqprop` (at the repository root) builds the project with Maven on first use, or when a "
                + "source changed, and runs `org.eqprop.examples.cli.Main` with the JVM flags of "
                + "[performance.md](performance.md#jvm-flags-and-threads): `--add-modules jdk.incubator.vector`, the "
                + "`--add-opens` flags Spark needs on JDK 17, `-Dorg.bytedeco.javacpp.maxPhysicalBytes=0`, "
                + "`-Xmx8g` (replace it with `EQPROP_JAVA_OPTS`; options the JVM refuses end with a JSON line and "
                + "exit code 1, like the launcher's other failures), "
                + "`OMP_WAIT_POLICY=PASSIVE` and `OMP_NUM_THREADS=1`. It needs only JDK 17 and Maven. Exit codes "
                + "and the guarantees of a run folder: [runs-and-checkpoints.md](runs-and-checkpoints.md). The "
                + "presets: [presets.md](presets.md).");
        paragraph(md, "Bash completion: `source <(./eqprop completion)` completes the commands, their options and "
                + "the listed values in this shell ([`completion`](#completion)).");
        md.append("## Usage\n\n");
        block(md, root.getCommandSpec());
        for (Cli.Entry e : Cli.COMMANDS) {
            CommandSpec spec = root.getSubcommands().get(e.declaration().get().name()).getCommandSpec();
            md.append("## `").append(spec.name()).append("`\n\n");
            if (!e.docs().isEmpty()) {
                paragraph(md, "More: " + e.docs().stream().map(d -> "[" + d + "](" + d + ")")
                        .collect(Collectors.joining(", ")) + ".");
            }
            block(md, spec);
        }
        return md.toString().stripTrailing() + "\n";
    }

    /** Prose, wrapped at 120 columns as the other pages are. */
    private static void paragraph(StringBuilder md, String text) {
        HelpText.wrap(text, 120).forEach(line -> md.append(line).append('\n'));
        md.append('\n');
    }

    /** A command's help as a text block, without trailing spaces. */
    private static void block(StringBuilder md, CommandSpec spec) {
        String help = Cli.usage(spec).replace("\r\n", "\n").lines().map(String::stripTrailing)
                .collect(Collectors.joining("\n")).strip();
        md.append("```text\n").append(help).append("\n```\n\n");
    }
}
