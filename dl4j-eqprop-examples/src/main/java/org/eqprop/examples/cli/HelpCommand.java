package org.eqprop.examples.cli;

import org.eqprop.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code eqprop help [COMMAND]}: the help of the command line or of one command, as {@code --help} prints it; with
 * {@code --markdown FILE}, the reference page docs/cli.md ({@link CliReference}).
 */
final class HelpCommand {

    private HelpCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("help", "Show the help of eqprop or of a command, or write docs/cli.md.",
                "'eqprop help COMMAND' prints what 'eqprop COMMAND --help' prints. 'eqprop help --markdown "
                        + "docs/cli.md' writes the command-line reference page, generated from the same "
                        + "declarations as the help; run it after changing an option (a test fails until then).");
        // the commands' names, looked up when the completion script is written (not while the model is built)
        Iterable<String> names = () -> Cli.COMMANDS.stream().map(e -> e.declaration().get().name()).iterator();
        spec.addPositional(PositionalParamSpec.builder().paramLabel("COMMAND").arity("0..1").type(String.class)
                .completionCandidates(names).description("the command to describe").build());
        spec.addOption(Options.path("--markdown", "FILE", "write the reference page of every command, in "
                + "Markdown, to FILE").build());
        return spec;
    }

    static Json run(Args a, PrintStream out) throws IOException {
        Path markdown = a.path("markdown");
        List<String> topic = a.positionals();
        a.rejectUnused();
        if (markdown != null) {
            if (!topic.isEmpty()) {
                throw new Args.UsageException("--markdown writes the page of every command: give no COMMAND");
            }
            AtomicFiles.write(markdown, CliReference.markdown().getBytes(StandardCharsets.UTF_8));
            out.println("wrote " + markdown);
            return new Json().put("command", "help").put("markdown", markdown.toString());
        }
        CommandLine root = Cli.commandLine();
        if (topic.isEmpty()) {
            out.print(Cli.usage(root.getCommandSpec()));
            return new Json().put("command", "help");
        }
        CommandLine sub = root.getSubcommands().get(topic.get(0));
        if (sub == null) {
            throw new Args.UsageException("unknown command '" + topic.get(0) + "'"
                    + Cli.closest(topic.get(0), List.copyOf(root.getSubcommands().keySet())));
        }
        out.print(Cli.usage(sub.getCommandSpec()));
        return new Json().put("command", "help").put("topic", topic.get(0));
    }
}
