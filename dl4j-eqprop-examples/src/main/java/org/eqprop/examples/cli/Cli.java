package org.eqprop.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The {@code eqprop} command line as a picocli model: every command with the options it declares (its
 * {@code spec()}), the code that runs it, and the pages of docs/ that tell more. {@link Main} parses with it, the
 * help, the bash completion ({@link CompletionCommand}) and docs/cli.md ({@link CliReference}) are generated from it.
 */
final class Cli {

    /** Columns of the help text (terminal and docs/cli.md alike). */
    static final int WIDTH = 100;

    /** Runs a parsed command: its JSON summary (without the status). */
    @FunctionalInterface
    interface Runner {
        Json run(Args args, PrintStream out, PrintStream err) throws Exception;
    }

    /**
     * One command.
     *
     * @param declaration its name, help and options
     * @param runner      what it does
     * @param computes    whether it runs ND4J work (the CLI then limits ND4J's BLAS to one thread first)
     * @param docs        pages under docs/ about it
     */
    record Entry(Supplier<CommandSpec> declaration, Runner runner, boolean computes, List<String> docs) {
    }

    /** The commands, in the order of the help. */
    static final List<Entry> COMMANDS = List.of(
            new Entry(TrainCommand::spec, TrainCommand::run, true, List.of("runs-and-checkpoints.md", "spark.md",
                    "cuda.md", "eqprop-vs-bptt.md", "presets.md")),
            new Entry(EvaluateCommand::spec, (a, out, err) -> EvaluateCommand.run(a, out), true, List.of()),
            new Entry(ExportCommand::spec, (a, out, err) -> ExportCommand.run(a, out), true, List.of()),
            new Entry(ParamsDiffCommand::spec, (a, out, err) -> ParamsDiffCommand.run(a, out), true, List.of()),
            new Entry(GradientCommand::spec, (a, out, err) -> GradientCommand.run(a, out), true, List.of()),
            new Entry(BenchCommand::spec, BenchCommand::run, true,
                    List.of("performance.md", "cuda.md")),
            new Entry(GddCommand::spec, (a, out, err) -> GddCommand.run(a, out), true,
                    List.of("eqprop-vs-bptt.md")),
            new Entry(CompareCommand::spec, CompareCommand::run, true, List.of("eqprop-vs-bptt.md")),
            new Entry(DeepCommand::spec, (a, out, err) -> DeepCommand.run(a, out), true,
                    List.of("deep-directed-graphs.md")),
            new Entry(SpikingConvergenceCommand::spec, (a, out, err) -> SpikingConvergenceCommand.run(a, out), true,
                    List.of("spiking.md")),
            new Entry(OscillationCommand::spec, (a, out, err) -> OscillationCommand.run(a, out), true,
                    List.of("holomorphic-eqprop.md")),
            new Entry(LangevinCommand::spec, (a, out, err) -> LangevinCommand.run(a, out), true,
                    List.of("langevin-eqprop.md")),
            new Entry(TimeToAccuracyCommand::spec, (a, out, err) -> TimeToAccuracyCommand.run(a, out), true,
                    List.of("runs-and-checkpoints.md")),
            new Entry(InfoCommand::spec, (a, out, err) -> InfoCommand.run(a, out), false,
                    List.of("data.md", "cuda.md", "performance.md")),
            new Entry(CompletionCommand::spec, (a, out, err) -> CompletionCommand.run(a, out), false, List.of()),
            new Entry(HelpCommand::spec, (a, out, err) -> HelpCommand.run(a, out), false, List.of()));

    private Cli() {
    }

    /** The whole command line, ready to parse (a new model each time: parsing fills it). */
    static CommandLine commandLine() {
        CommandSpec root = command("eqprop", "Equilibrium Propagation on DeepLearning4J: reproduce the papers' "
                        + "experiments, check gradients, benchmark, inspect the setup.",
                "Every command ends its standard output with one JSON line that sums it up, also on failure "
                        + "(\"status\": \"error\", with the message). Exit codes: 0 done, 2 a usage error or a bad "
                        + "value (nothing was run), 1 any other failure.",
                "Options take their value as --name value or --name=value; flags take none. Run "
                        + "'eqprop COMMAND --help' for the options of a command.");
        root.usageMessage().customSynopsis("eqprop COMMAND [OPTIONS]");
        footer(root, "Data sets are read from --data-dir, else $EQPROP_DATA_DIR, else ~/.deeplearning4j, else "
                        + "downloaded into ~/.deeplearning4j ('eqprop info' shows where). JVM flags: "
                        + "$EQPROP_JAVA_OPTS (default -Xmx8g).",
                "",
                "Examples:",
                "  eqprop train --preset mnist-fc1 --epochs 1        one epoch, about 30 s",
                "  eqprop train --preset mnist-fc1 --resume          continue runs/mnist-fc1 exactly",
                "  eqprop evaluate --model runs/mnist-fc1/model.zip",
                "  eqprop export --model runs/mnist-fc1/model.zip --out params.npz",
                "  eqprop train --preset mnist-fc1 --init-params params.npz --out runs/from-numpy",
                "  eqprop gdd --continual-rate 1e-9",
                "  eqprop compare --preset mnist-fc1 --epochs 2 --train-limit 3000 --test-limit 2000",
                "  eqprop bench --preset mnist-fc1 --batch 128",
                "  eqprop deep --task xor",
                "  eqprop train --preset mnist-fc1 --spark 'local[2]' --epochs 1",
                "  eqprop info",
                "  source <(eqprop completion)                       bash completion in this shell");
        CommandLine line = new CommandLine(root);
        for (Entry e : COMMANDS) {
            CommandSpec spec = e.declaration().get();
            if (!e.docs().isEmpty()) {
                footer(spec, "More: " + e.docs().stream().map(d -> "docs/" + d).collect(Collectors.joining(", ")));
            }
            line.addSubcommand(spec.name(), new CommandLine(spec));
        }
        line.setExpandAtFiles(false);
        return line;
    }

    /** The entry of a command. */
    static Entry entry(String name) {
        for (Entry e : COMMANDS) {
            if (e.declaration().get().name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no command " + name);
    }

    /**
     * A command's model: name, one-line summary (the command list of {@code eqprop --help}), description paragraphs,
     * {@code -h, --help}, and the layout of its help. The caller adds its options.
     */
    static CommandSpec command(String name, String summary, String... description) {
        CommandSpec spec = CommandSpec.create().name(name);
        List<String> lines = new ArrayList<>();
        lines.add(summary);
        for (String paragraph : description) {
            lines.add("");
            lines.add(paragraph);
        }
        spec.usageMessage().description(lines.stream().map(Cli::literal).toArray(String[]::new))
                .width(WIDTH).sortOptions(false)
                .abbreviateSynopsis(true).synopsisHeading("usage: ").descriptionHeading("%n")
                .parameterListHeading("%nArguments:%n").optionListHeading("%nOptions:%n")
                .commandListHeading("%nCommands:%n");
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help").build());
        HelpText.install(spec);
        return spec;
    }

    /** Text lines at the end of a command's help. */
    static void footer(CommandSpec spec, String... lines) {
        List<String> footer = new ArrayList<>(List.of(spec.usageMessage().footer()));
        if (!footer.isEmpty()) {
            footer.add("");
        }
        for (String line : lines) {
            footer.add(literal(line));
        }
        spec.usageMessage().footerHeading("%n").footer(footer.toArray(new String[0]));
    }

    /** A heading of options in a command's help ({@link HelpText}; the options are parsed as if they had none). */
    static ArgGroupSpec.Builder group(String heading) {
        return ArgGroupSpec.builder().heading(literal(heading)).exclusive(false).validate(false)
                .multiplicity("0..1");
    }

    /** Adds options under a heading. */
    static void addGroup(CommandSpec spec, String heading, OptionSpec.Builder... options) {
        ArgGroupSpec.Builder g = group(heading);
        for (OptionSpec.Builder o : options) {
            g.addArg(o.build());
        }
        spec.addArgGroup(g.build());
    }

    /** Text that picocli shows as it is: its format specifiers and variables escaped. */
    static String literal(String text) {
        return text.replace("%", "%%").replace("${", "$${");
    }

    /** The help of a command (or of the whole command line), plain text. */
    static String usage(CommandSpec spec) {
        return spec.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /** The message of a parse error, in the command line's words ("unknown option --epohcs (did you mean ...)"). */
    static String message(CommandLine.ParameterException e) {
        if (e.getCause() instanceof Args.UsageException u) {
            return u.getMessage();
        }
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            if (spec.parent() == null && !first.startsWith("-")) {
                return "unknown command '" + first + "'" + closest(first, List.copyOf(spec.subcommands().keySet()));
            }
            List<String> options = unmatched.stream().filter(s -> s.startsWith("-"))
                    .map(s -> s.contains("=") ? s.substring(0, s.indexOf('=')) : s).toList();
            if (!options.isEmpty()) {
                List<String> known = new ArrayList<>();
                spec.options().forEach(o -> known.addAll(List.of(o.names())));
                return (options.size() == 1 ? "unknown option " : "unknown options ") + String.join(", ", options)
                        + closest(options.get(0), known);
            }
            return "unexpected argument '" + first + "' (" + spec.name() + " takes options only)";
        }
        if (e instanceof CommandLine.MissingParameterException m) {
            String names = m.getMissing().stream().map(Cli::name).collect(Collectors.joining(", "));
            if (e.getMessage().startsWith("Missing required option")) {
                return "missing required option " + names;
            }
            String found = e.getMessage().replaceFirst("^Expected parameter for option '[^']*' but found '(.*)'$",
                    "$1");
            return "option " + names + " needs a value" + (found.equals(e.getMessage()) ? ""
                    : ", got the option " + found + " (write " + names + "=VALUE for a value that starts with -)");
        }
        if (e instanceof CommandLine.OverwrittenOptionException o) {
            return "option " + name(o.getOverwritten()) + " is given twice";
        }
        String flag = e.getMessage().replaceFirst("^option '([^']*)' should be specified without '(.*)' parameter$",
                "$1\t$2");
        if (e instanceof CommandLine.MaxValuesExceededException && !flag.equals(e.getMessage())) {
            String[] f = flag.split("\t", 2);
            return "option " + f[0] + " is a flag: it takes no value, got '" + f[1] + "'";
        }
        return e.getMessage();
    }

    private static String name(ArgSpec a) {
        return a instanceof OptionSpec o ? o.longestName() : a.paramLabel();
    }

    /** " (did you mean X?)" for the known name nearest to a mistyped one, or "" when none is near. */
    static String closest(String typed, List<String> known) {
        String t = typed.toLowerCase(Locale.ROOT);
        return known.stream().filter(k -> k.startsWith("--") == typed.startsWith("--"))
                .min(Comparator.comparingInt(k -> distance(t, k)))
                .filter(k -> distance(t, k) <= Math.max(2, t.length() / 4))
                .map(k -> " (did you mean " + k + "?)").orElse("");
    }

    /** Edit distance with transpositions (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
