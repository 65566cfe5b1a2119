package org.eqprop.examples.cli;

import org.eqprop.examples.plot.GraphPlot;
import org.eqprop.examples.plot.LinePlot;
import org.eqprop.graph.DeepTrainer;
import org.eqprop.graph.DirectedGraph;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop deep}: the logic-gate experiments of DirEcted Equilibrium Propagation (Farinha et al. 2020, §4):
 * independently trained complete directed graphs (2 inputs, some hidden neurons, 1 output) on AND, OR or XOR, the
 * free-phase MSE per epoch as min/quartiles/max over the runs (their Fig. 1), the first run's learned graph (Fig. 2),
 * how many runs solved the task (final MSE &lt; 0.01) and the sparsity.
 */
final class DeepCommand {

    private DeepCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("deep", "DirEcted EqProp (Farinha et al. 2020): logic gates, or MNIST.",
                "--task and|or|xor trains the paper's 8-neuron directed graph (2 inputs, --hidden 5, 1 output) "
                        + "--runs times, draws the free-phase MSE bands over the runs and the first solved run's "
                        + "learned graph, and prints the JSON summary (task, runs, solved, sparsity). --sparsity "
                        + "adds an l1 penalty and Boltzmann pruning of weak connections (eq. 3); its defaults: "
                        + "5000 epochs; AND and OR start nearly empty (init scale 0.01, eta 0.2, l1 3e-4, pruning "
                        + "from E/10 to 4E/5); XOR starts at 0.3 with eta 0.4, no l1, pruning from 2E/5 to 9E/10.",
                "--task mnist trains a random directed graph over the 784 clamped pixels, --hidden neurons and 10 "
                        + "outputs on MNIST minibatches; the prediction is the most active output at the free fixed "
                        + "point.");
        spec.addOption(Options.choice("--task", List.of("and", "or", "xor", "mnist"), "the task").required(true)
                .build());
        spec.addOption(Options.integer("--hidden", "N", 0, "hidden neurons; default 5, mnist 300").build());
        spec.addOption(Options.integer("--epochs", "N", 1, "training epochs; default 2000 (5000 with --sparsity), "
                + "mnist 1").build());
        spec.addOption(Options.number("--init-scale", "S", Options.Range.NON_NEGATIVE, "scale of the initial "
                + "weights; default 0.3 (see the sparsity defaults), mnist 1").build());
        spec.addOption(Options.number("--learning-rate", "ETA", Options.Range.POSITIVE, "eta of the rule (eq. 2); "
                + "default 0.2 (0.4 for xor with --sparsity), mnist 0.5").build());
        spec.addOption(Options.longInteger("--seed", "S", "seed of the graphs and the data order")
                .defaultValue("0").build());
        spec.addOption(Options.path("--out", "DIR", "where the plots go; default runs/deep-TASK").build());
        Cli.addGroup(spec, "Logic gates:",
                Options.integer("--runs", "N", 1, "independent runs").defaultValue("10"),
                Options.choice("--rule", List.of("deep", "asymmetric-ep"), "the learning rule: eq. 2 along the "
                        + "nudged trajectory, or the one-step asymmetric-EP baseline").defaultValue("deep"),
                Options.flag("--sparsity", "l1 penalty and Boltzmann pruning"),
                Options.number("--l1", "L1", Options.Range.NON_NEGATIVE, "--sparsity: the l1 penalty; default 3e-4, "
                        + "xor 0"),
                Options.number("--prune-threshold", "LAMBDA", Options.Range.NON_NEGATIVE, "--sparsity: connections "
                        + "weaker than this may be pruned").defaultValue("1.0"),
                Options.number("--temperature", "T", Options.Range.POSITIVE, "--sparsity: temperature of the "
                        + "Boltzmann pruning").defaultValue("0.5"),
                Options.integer("--prune-from", "E", 0, "--sparsity: first epoch of pruning; see the defaults "
                        + "above"),
                Options.integer("--prune-until", "E", 0, "--sparsity: last epoch of pruning (>= --prune-from); see "
                        + "the defaults above"));
        Cli.addGroup(spec, "MNIST (--task mnist):",
                Options.integer("--batch", "B", 1, "examples per minibatch").defaultValue("50"),
                Options.integer("--free-steps", "M0", 1, "steps of the free phase").defaultValue("100"),
                Options.integer("--nudged-steps", "MB", 1, "steps of the nudged phase").defaultValue("20"),
                Options.number("--dt", "DT", Options.Range.POSITIVE, "integration step").defaultValue("0.2"),
                Options.number("--beta", "B", Options.Range.POSITIVE, "the nudge").defaultValue("1.0"),
                Options.number("--density", "P", Options.Range.openClosed(0, 1), "probability of each connection")
                        .defaultValue("1.0"),
                Options.trainLimit(),
                Options.testLimit(),
                Options.dataDir());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        String task = a.required("task").toLowerCase(Locale.ROOT);
        if (task.equals("mnist")) {
            return DeepMnistCommand.run(a, out);
        }
        if (!List.of("and", "or", "xor").contains(task)) {
            throw new Args.UsageException("--task must be and, or, xor or mnist, got " + task);
        }
        int hidden = a.integer("hidden", 5, 0);
        int runs = a.integer("runs");
        boolean sparsity = a.flag("sparsity");
        // Defaults with --sparsity (measured, 10 runs each: see the README). AND and OR start nearly empty (±0.01):
        // learning grows the few connections the gate needs while l1 keeps the rest near 0. XOR learns nothing from
        // ±0.01 and its solutions do not survive the l1 penalty: it starts at ±0.3 with η 0.4, learns for 2/5 of
        // the epochs, and is then thinned by checked pruning alone.
        boolean xor = task.equals("xor");
        int epochs = a.integer("epochs", sparsity ? 5000 : 2000, 1);
        double initScale = a.positiveDouble("init-scale", sparsity && !xor ? 0.01 : 0.3);
        double eta = a.positiveDouble("learning-rate", sparsity && xor ? 0.4 : 0.2);
        String ruleName = a.string("rule");
        DeepTrainer.Rule rule = switch (ruleName) {
            case "deep" -> DeepTrainer.Rule.DEEP;
            case "asymmetric-ep" -> DeepTrainer.Rule.ASYMMETRIC_EP;
            default -> throw new Args.UsageException("--rule must be deep or asymmetric-ep, got " + ruleName);
        };
        double l1 = a.nonNegativeDouble("l1", xor ? 0 : 3e-4);
        double threshold = a.number("prune-threshold");
        double temperature = a.number("temperature");
        int from = a.integer("prune-from", xor ? 2 * epochs / 5 : epochs / 10, 0);
        int until = a.integer("prune-until", xor ? 9 * epochs / 10 : 4 * epochs / 5, from);
        long seed = a.longValue("seed");
        Path outDir = a.path("out") == null ? Paths.get("runs", "deep-" + task) : a.path("out");
        a.rejectUnused();

        DeepTrainer.Settings settings = DeepTrainer.Settings.logicGates(rule).withLearningRate(eta);
        if (sparsity) {
            // prune only after epochs that end with the gate solved (MSE < 0.01), declining removals that would lift
            // the MSE to 0.1; the epochs after the window fine-tune the remaining graph without the penalty
            settings = settings.withSparsity(new DeepTrainer.Sparsity(l1, threshold, temperature, from, until, 0.01,
                    0.1));
        }
        List<DeepTrainer.Example> data = gate(task);
        double[][] curves = new double[runs][epochs];
        int solved = 0;
        double sparse = 0;
        DirectedGraph shown = null; // the first solved run's graph (the first run's if none solved)
        int shownRun = 0;
        double solvedSparsity = 0;
        for (int r = 0; r < runs; r++) {
            DirectedGraph g = new DirectedGraph(hidden + 3, 2, 1, initScale, seed + r);
            DeepTrainer t = new DeepTrainer(g, settings, seed + r);
            for (int e = 0; e < epochs; e++) {
                t.epoch(data);
                curves[r][e] = t.meanSquaredError(data);
            }
            boolean ok = curves[r][epochs - 1] < 0.01;
            if (ok) {
                solved++;
                solvedSparsity += g.sparsity();
            }
            sparse += g.sparsity() / runs;
            if (shown == null || (ok && curves[shownRun][epochs - 1] >= 0.01)) {
                shown = g;
                shownRun = r;
            }
            out.printf(Locale.ROOT, "run %d: final MSE %.5f, sparsity %.1f%%%n", r + 1, curves[r][epochs - 1],
                    100 * g.sparsity());
        }
        Path curvePng = outDir.resolve("deep-" + task + "-mse.png");
        bands(task, curves).write(curvePng);
        Path graphPng = outDir.resolve("deep-" + task + "-graph.png");
        GraphPlot.write(shown, "learned graph, run " + (shownRun + 1) + " (" + task.toUpperCase(Locale.ROOT) + ")",
                graphPng);
        out.printf(Locale.ROOT, "%s: %d of %d runs solved (final MSE < 0.01), mean sparsity %.1f%% (%.1f%% over the "
                        + "solved runs)%n", task.toUpperCase(Locale.ROOT), solved, runs, 100 * sparse,
                solved == 0 ? 0 : 100 * solvedSparsity / solved);
        return new Json().put("command", "deep").put("task", task).put("rule", ruleName).put("runs", runs)
                .put("hidden", hidden).put("epochs", epochs).put("init_scale", initScale).put("learning_rate", eta).put("solved", solved).put("sparsity", sparse)
                .put("solved_sparsity", solved == 0 ? 0 : solvedSparsity / solved)
                .put("mse_png", curvePng.toString()).put("graph_png", graphPng.toString());
    }

    static List<DeepTrainer.Example> gate(String task) {
        List<DeepTrainer.Example> data = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            double x0 = p & 1;
            double x1 = (p >> 1) & 1;
            double y = switch (task) {
                case "and" -> x0 * x1;
                case "or" -> Math.max(x0, x1);
                default -> x0 != x1 ? 1 : 0;
            };
            data.add(new DeepTrainer.Example(new double[]{x0, x1}, new double[]{y}));
        }
        return data;
    }

    /** Min, quartiles, median and max of the runs' MSE at each epoch (sampled to at most 200 points). */
    private static LinePlot bands(String task, double[][] curves) {
        int epochs = curves[0].length;
        int points = Math.min(200, epochs);
        double[][] q = new double[5][points];
        double[] xs = new double[points];
        for (int p = 0; p < points; p++) {
            int e = (int) ((long) p * (epochs - 1) / Math.max(1, points - 1));
            xs[p] = e + 1;
            double[] v = new double[curves.length];
            for (int r = 0; r < curves.length; r++) {
                v[r] = curves[r][e];
            }
            Arrays.sort(v);
            for (int k = 0; k < 5; k++) {
                q[k][p] = v[(int) Math.round(k / 4.0 * (v.length - 1))];
            }
        }
        LinePlot plot = new LinePlot("DEEP " + task.toUpperCase(Locale.ROOT) + ": free-phase MSE over "
                + curves.length + " runs", "epoch").xValues(xs).legend("min and max dashed, quartiles solid, median red");
        String[] names = {"min", "q1", "median", "q3", "max"};
        for (int k = 0; k < 5; k++) {
            plot.add(names[k], q[k], k == 0 || k == 4, k == 2 ? 1 : 0);
        }
        return plot;
    }
}
