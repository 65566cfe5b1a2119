package org.eqprop.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop time-to-accuracy --runs DIR,DIR [--labels A,B] [--target E] --out FILE.png}: several runs' test error
 * against their training time on one figure ({@link TimeToAccuracy#compare}).
 */
final class TimeToAccuracyCommand {

    private TimeToAccuracyCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("time-to-accuracy", "Test error against training time, several runs on one "
                        + "figure.",
                "Reads each run folder's time-to-accuracy.tsv (or its history.tsv, for runs made before the report) "
                        + "and draws the test errors against the cumulative training seconds on one figure; writes "
                        + "the points side by side to FILE.tsv next to FILE.png and, with --target, the time each run "
                        + "first reached that test error. Every train run writes its own report into its folder.");
        spec.addOption(Options.text("--runs", "DIR[,DIR...]", "the run folders").required(true).build());
        spec.addOption(Options.text("--labels", "A[,B...]", "one label per run; default the folders' names")
                .build());
        spec.addOption(Options.number("--target", "E", Options.Range.openClosed(0, 1), "a test error to reach: "
                + "drawn, and each run's time to it reported").build());
        spec.addOption(Options.path("--out", "FILE.png", "the figure (the TSV goes next to it)").required(true)
                .build());
        return spec;
    }

    static Json run(Args a, PrintStream out) throws IOException {
        List<Path> runs = Arrays.stream(a.required("runs").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(Path::of).toList();
        String labels = a.string("labels", null);
        Double target = a.optionalDouble("target");
        Path png = a.path("out");
        a.rejectUnused();
        return TimeToAccuracy.compare(runs, labels == null ? null : List.of(labels.split(",")),
                target == null ? Double.NaN : target, png, out);
    }
}
