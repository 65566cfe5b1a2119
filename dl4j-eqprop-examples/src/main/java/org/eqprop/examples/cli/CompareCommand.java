package org.eqprop.examples.cli;

import org.eqprop.examples.plot.LinePlot;
import org.eqprop.io.AtomicFiles;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code eqprop compare}: trains a preset by EqProp and by BPTT from the same initial weights and data order, for
 * each number of free steps T, and writes a Markdown report (test and train error, seconds per iteration, peak
 * memory) with PNG learning curves and memory-versus-T plots. Each run is a separate JVM running {@code eqprop train},
 * so that its peak resident memory is its own.
 */
final class CompareCommand {

    /** One finished training run: the summary line of its {@code train} command. */
    record Run(String algorithm, int steps, Map<String, Object> summary) {

        double number(String key) {
            return ((Number) summary.get(key)).doubleValue();
        }

        /** Seconds per iteration in the last epoch (the first one also pays JIT warm-up). */
        double steadySecondsPerIteration() {
            double[] epochSeconds = series("epoch_seconds");
            double batches = Math.ceil(number("train_examples") / number("batch_size"));
            return epochSeconds[epochSeconds.length - 1] / batches;
        }

        double[] series(String key) {
            return ((List<?>) summary.get(key)).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        }
    }

    private CompareCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("compare", "EqProp versus BPTT (and the other algorithms) per number of free "
                        + "steps T.",
                "Trains the preset by each algorithm for each T from the same initial weights and data order, "
                        + "each run a separate JVM running 'eqprop train' so that its peak resident memory is its "
                        + "own, and writes DIR/report.md (test and train error, seconds per iteration, peak memory) "
                        + "with PNG learning curves and memory-versus-T plots. Every run takes exactly T free steps "
                        + "(no early stop at a preset's tolerance).");
        spec.addOption(PresetOptions.preset().required(true).build());
        spec.addOption(Options.integer("--epochs", "N", 1, "epochs of each run").defaultValue("1").build());
        spec.addOption(Options.text("--steps", "T[,T...]", "the free steps T compared").defaultValue("30,100,250")
                .build());
        spec.addOption(Options.text("--algorithms", "A[,A...]", "the algorithms compared: eqprop, bptt, rbp, c-ep, "
                + "c-vf").defaultValue("eqprop,bptt").build());
        spec.addOption(Options.integer("--bptt-steps", "K", 0, "bptt: steps backpropagated; 0 = all T")
                .defaultValue("0").build());
        spec.addOption(Options.path("--out", "DIR", "the report's folder; default runs/compare-PRESET").build());
        ArgGroupSpec.Builder passed = Cli.group("Passed on to each training run (see 'eqprop train --help'):");
        passedOn().forEach(passed::addArg);
        spec.addArgGroup(passed.build());
        return spec;
    }

    /** The options compare hands on, as given, to each of its training runs. */
    private static List<OptionSpec> passedOn() {
        List<OptionSpec> options = new ArrayList<>(List.of(Options.trainLimit().build(), Options.testLimit().build(),
                Options.longInteger("--seed", "S", "seed of the weights and the data order; default train's")
                        .build(), Options.dataDir().build()));
        options.addAll(PresetOptions.only("--batch-size", "--nudged-steps", "--beta", "--lr-scale", "--schedule"));
        return options;
    }


    static Json run(Args a, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        String preset = a.required("preset");
        Preset.named(preset);
        int epochs = a.integer("epochs");
        List<Integer> steps = integers(a.string("steps"), "--steps");
        List<String> algorithms = Arrays.asList(a.string("algorithms").split(","));
        for (String alg : algorithms) {
            if (!List.of("eqprop", "bptt", "rbp", "c-ep", "c-vf").contains(alg)) {
                throw new Args.UsageException("--algorithms lists eqprop, bptt, rbp, c-ep or c-vf, got " + alg);
            }
        }
        int bpttSteps = a.integer("bptt-steps");
        Path outDir = a.path("out") == null ? Paths.get("runs", "compare-" + preset) : a.path("out");
        List<String> passThrough = new ArrayList<>();
        for (OptionSpec passed : passedOn()) {
            String option = Options.key(passed);
            String v = a.string(option);
            if (v != null) {
                passThrough.add("--" + option);
                passThrough.add(v);
            }
        }
        a.rejectUnused();

        List<Run> runs = new ArrayList<>();
        for (int t : steps) {
            for (String alg : algorithms) {
                List<String> cmd = new ArrayList<>(javaCommand());
                // exactly T free steps for both (no early stop at a preset's tolerance): the comparison is at T
                cmd.addAll(List.of("train", "--preset", preset, "--algorithm", alg, "--free-steps",
                        Integer.toString(t), "--tolerance", "0", "--epochs", Integer.toString(epochs), "--out",
                        outDir.resolve(alg + "-T" + t).toString()));
                if (alg.equals("bptt")) {
                    cmd.addAll(List.of("--bptt-steps", Integer.toString(bpttSteps)));
                }
                cmd.addAll(passThrough);
                out.printf(Locale.ROOT, "== %s, T=%d ==%n", alg, t);
                out.flush();
                runs.add(new Run(alg, t, child(cmd, out, err)));
            }
        }
        Path report = outDir.resolve("report.md");
        List<String> pngs = plots(runs, steps, algorithms, outDir);
        AtomicFiles.write(report, markdown(preset, epochs, bpttSteps, runs, pngs, passThrough)
                .getBytes(StandardCharsets.UTF_8));
        out.println("report: " + report);

        List<Object> rows = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", r.algorithm());
            m.put("free_steps", r.steps());
            for (String key : List.of("test_error", "train_error", "peak_rss_mb", "relaxation_state_mb")) {
                m.put(key, r.number(key));
            }
            m.put("seconds_per_iteration", r.steadySecondsPerIteration());
            rows.add(m);
        }
        return new Json().put("command", "compare").put("preset", preset).put("epochs", epochs)
                .put("report", report.toString()).put("runs", rows);
    }

    /** The java launcher of this JVM with its class path and heap limit. */
    private static List<String> javaCommand() {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        long heapMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        return List.of(java, "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true",
                "-Xmx" + heapMb + "m", "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }

    /** Runs one {@code train} in a child JVM, echoing its output, and returns its JSON summary. */
    private static Map<String, Object> child(List<String> cmd, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                last = line;
                if (!line.startsWith("{")) {
                    out.println("  " + line);
                }
            }
        }
        int code = p.waitFor();
        Map<String, Object> summary = last == null || !last.startsWith("{") ? Map.of()
                : new ObjectMapper().readValue(last, Map.class);
        if (code != 0 || !"ok".equals(summary.get("status"))) {
            throw new IOException("training run failed (exit " + code + "): " + summary.getOrDefault("error",
                    "no summary line") + "; command: " + String.join(" ", cmd.subList(cmd.indexOf("train"),
                    cmd.size())));
        }
        return summary;
    }

    private static List<String> plots(List<Run> runs, List<Integer> steps, List<String> algorithms, Path dir)
            throws IOException {
        List<String> files = new ArrayList<>();
        LinePlot curves = new LinePlot("test error (%) per epoch", "epoch")
                .legend("dashed: EqProp   solid: BPTT   (colour: T)");
        int epochs = 1;
        for (Run r : runs) {
            double[] e = Arrays.stream(r.series("test_errors")).map(v -> 100 * v).toArray();
            epochs = Math.max(epochs, e.length);
            curves.add(r.algorithm() + " T=" + r.steps(), e, !r.algorithm().equals("bptt"),
                    steps.indexOf(r.steps()));
        }
        curves.xValues(java.util.stream.IntStream.rangeClosed(1, epochs).asDoubleStream().toArray());
        curves.write(dir.resolve("curves.png"));
        files.add("curves.png");
        double[] ts = steps.stream().mapToDouble(Integer::doubleValue).toArray();
        for (String[] kind : new String[][]{{"relaxation_state_mb", "relaxation state held at once (MB)",
                "memory-state.png"}, {"peak_rss_mb", "peak resident memory of the run (MB)", "memory-rss.png"},
                {"seconds_per_iteration", "seconds per iteration", "time.png"}}) {
            LinePlot plot = new LinePlot(kind[1] + " vs free steps T", "free steps T").xValues(ts)
                    .legend("dashed: EqProp   solid: BPTT");
            for (int i = 0; i < algorithms.size(); i++) {
                String alg = algorithms.get(i);
                double[] y = runs.stream().filter(r -> r.algorithm().equals(alg))
                        .mapToDouble(r -> kind[0].equals("seconds_per_iteration") ? r.steadySecondsPerIteration()
                                : r.number(kind[0])).toArray();
                plot.add(alg, y, !alg.equals("bptt"), i);
            }
            plot.write(dir.resolve(kind[2]));
            files.add(kind[2]);
        }
        return files;
    }

    private static String markdown(String preset, int epochs, int bpttSteps, List<Run> runs, List<String> pngs,
                                   List<String> options) {
        StringBuilder md = new StringBuilder();
        Run first = runs.get(0);
        md.append("# EqProp vs BPTT: ").append(preset).append("\n\n");
        md.append(String.format(Locale.ROOT, "Each run starts from the same initial weights and sees the same "
                        + "batches: %d epoch(s) on %s training examples (batch %s), %s test examples; options %s. "
                        + "BPTT backpropagates through %s. Produced by `eqprop compare`.%n%n", epochs,
                first.summary().get("train_examples"), first.summary().get("batch_size"),
                first.summary().get("test_examples"), options.isEmpty() ? "none" : String.join(" ", options),
                bpttSteps == 0 ? "all T steps (full BPTT)" : "the last " + bpttSteps + " steps"));
        md.append("| algorithm | T | test error | train error | s / iteration (last epoch) | peak RSS (MB) "
                + "| relaxation state (MB) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% | %.2f%% | %.4f | %.0f | %.2f |%n",
                    r.algorithm(), r.steps(), 100 * r.number("test_error"), 100 * r.number("train_error"),
                    r.steadySecondsPerIteration(), r.number("peak_rss_mb"), r.number("relaxation_state_mb")));
        }
        md.append("\n*Relaxation state* is the most memory the EqProp block held at once for its states: the free "
                + "and nudged states for EqProp (independent of T), the stored trajectory for BPTT (linear in the "
                + "steps it backpropagates through). *Peak RSS* is the whole process's high-water mark (JVM heap, "
                + "ND4J buffers, data), measured by the kernel.\n\n");
        for (String png : pngs) {
            md.append("![").append(png).append("](").append(png).append(")\n\n");
        }
        return md.toString();
    }

    private static List<Integer> integers(String csv, String option) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                out.add(v);
            } catch (NumberFormatException e) {
                throw new Args.UsageException(option + " takes positive integers separated by commas, got " + csv);
            }
        }
        return out;
    }
}
