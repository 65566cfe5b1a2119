package org.eqprop.examples.cli;

import org.eqprop.examples.plot.LinePlot;
import org.eqprop.spiking.SpikeCounter;
import org.eqprop.spiking.SpikingConvergence;
import org.eqprop.spiking.SpikingRelaxation;
import org.eqprop.spiking.SpikingSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop spiking-convergence}: Fig. 2 of O'Connor et al. 2019. Random networks (default 500-500-10, the first
 * layer clamped to a random input, batch 20) run a negative phase, then their output is nudged from step
 * {@code --perturb-at} on; the mean distance of the spiking states to the continuous network's fixed points, averaged
 * over the networks, for scheduled and OSA step sizes with and without predictive coding (the annealing
 * hyperparameters the authors found for this experiment).
 */
final class SpikingConvergenceCommand {

    private SpikingConvergenceCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("spiking-convergence", "Spiking versus continuous fixed points (O'Connor et "
                        + "al. 2019, Fig. 2).",
                "Random networks, the first layer clamped to a random input, run a negative phase, then their "
                        + "output is nudged from step --perturb-at on; prints and plots the mean distance of the "
                        + "spiking states to the continuous network's fixed points, averaged over the networks, for "
                        + "scheduled and OSA step sizes with and without predictive coding (the hyperparameters the "
                        + "authors found for this experiment).");
        spec.addOption(Options.integer("--networks", "N", 1, "random networks averaged").defaultValue("20").build());
        spec.addOption(Options.integer("--steps", "N", 2, "steps in all").defaultValue("200").build());
        spec.addOption(Options.integer("--perturb-at", "N", 1, "the step the nudge starts at (< --steps)")
                .defaultValue("100").build());
        spec.addOption(Options.sizes().defaultValue("500,500,10").build());
        spec.addOption(Options.integer("--batch", "B", 1, "inputs per network").defaultValue("20").build());
        spec.addOption(Options.number("--beta", "B", Options.Range.ANY, "the nudge").defaultValue("1").build());
        spec.addOption(Options.longInteger("--seed", "S", "seed of the networks and inputs").defaultValue("1")
                .build());
        spec.addOption(Options.path("--out", "DIR", "where the plot goes; default runs/spiking-convergence")
                .build());
        return spec;
    }


    /**
     * The compared schemes, with the hyperparameters the authors found for this experiment: ε = 1/√t; scheduled
     * ε = 0.857/t^0.534; scheduled ε = 0.775/t^0.313 with λ = 0.67/t^0.578; OSA ν̄ = 0.0503; OSA ν̄ = 0.0411 with
     * λ = 0.206; OSA ν̄ = 0.108 with annealed λ = 0.39/t^0.45.
     */
    static Map<String, SpikingSettings> schemes() {
        Map<String, SpikingSettings> m = new LinkedHashMap<>();
        m.put("1/sqrt(t)", SpikingSettings.scheduled(1.0, 0.5));
        m.put("scheduled", SpikingSettings.scheduled(0.857, 0.534));
        m.put("scheduled+lambda", SpikingSettings.scheduled(0.775, 0.313).predictive(0.67, 0.578));
        m.put("osa", SpikingSettings.osa(0.0503));
        m.put("osa+lambda", SpikingSettings.osa(0.0411).predictive(0.206, 0));
        m.put("osa+annealed-lambda", SpikingSettings.osa(0.108).predictive(0.39, 0.45));
        return m;
    }

    static Json run(Args a, PrintStream out) throws IOException {
        int networks = a.integer("networks");
        int steps = a.integer("steps");
        int perturbAt = a.integer("perturb-at");
        int batch = a.integer("batch");
        String sizeList = a.string("sizes");
        double beta = a.number("beta");
        long seed = a.longValue("seed");
        Path outDir = a.path("out") == null ? Paths.get("runs", "spiking-convergence") : a.path("out");
        a.rejectUnused();
        if (perturbAt >= steps) {
            throw new Args.UsageException("--perturb-at (" + perturbAt + ") must be below --steps (" + steps + ")");
        }
        int[] sizes;
        try {
            sizes = Arrays.stream(sizeList.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--sizes expects comma-separated widths like 500,500,10, got " + sizeList);
        }
        if (sizes.length < 2 || Arrays.stream(sizes).anyMatch(w -> w < 1)) {
            throw new Args.UsageException("--sizes needs an input width and at least one layer width >= 1, got "
                    + sizeList);
        }
        out.printf(Locale.ROOT, "spiking convergence: %d random %s networks, batch %d, nudge (beta %s) from step %d "
                + "of %d%n", networks, sizeList.replace(',', '-'), batch, beta, perturbAt + 1, steps);

        Map<String, SpikingSettings> schemes = schemes();
        Map<String, double[]> mean = new LinkedHashMap<>();
        Map<String, SpikeCounter> spikes = new LinkedHashMap<>();
        for (String name : schemes.keySet()) {
            mean.put(name, new double[steps]);
            spikes.put(name, new SpikeCounter());
        }
        for (int n = 0; n < networks; n++) {
            SpikingConvergence.Problem p = SpikingConvergence.randomProblem(sizes, batch, beta, seed + n);
            for (Map.Entry<String, SpikingSettings> e : schemes.entrySet()) {
                double[] trace = SpikingConvergence.errorTrace(p, new SpikingRelaxation(e.getValue()), steps,
                        perturbAt, spikes.get(e.getKey()));
                double[] m = mean.get(e.getKey());
                for (int t = 0; t < steps; t++) {
                    m[t] += trace[t] / networks;
                }
            }
            out.printf(Locale.ROOT, "network %d/%d done%n", n + 1, networks);
        }

        Files.createDirectories(outDir);
        Path png = outDir.resolve("convergence.png");
        double[] xs = new double[steps];
        for (int t = 0; t < steps; t++) {
            xs[t] = t + 1;
        }
        LinePlot plot = new LinePlot("log10 mean |s_t - s*|, " + networks + " random " + sizeList.replace(',', '-')
                + " networks", "t").xValues(xs)
                .legend("s* = continuous free fixed point up to t=" + perturbAt + ", nudged one after");
        Map<String, Double> finalError = new LinkedHashMap<>();
        Map<String, Double> freeError = new LinkedHashMap<>();
        Map<String, Double> rate = new LinkedHashMap<>();
        int color = 0;
        for (Map.Entry<String, double[]> e : mean.entrySet()) {
            double[] m = e.getValue();
            plot.add(e.getKey(), Arrays.stream(m).map(Math::log10).toArray(), false, color++);
            finalError.put(e.getKey(), m[steps - 1]);
            freeError.put(e.getKey(), m[perturbAt - 1]);
            rate.put(e.getKey(), spikes.get(e.getKey()).spikesPerNeuronPerStep());
            out.printf(Locale.ROOT, "%-20s %-45s error at t=%d (free) %.3e, at t=%d %.3e; %.3f spikes per neuron "
                    + "per step%n", e.getKey(), schemes.get(e.getKey()).describe(), perturbAt, m[perturbAt - 1], steps, m[steps - 1],
                    spikes.get(e.getKey()).spikesPerNeuronPerStep());
        }
        plot.write(png);
        return new Json().put("command", "spiking-convergence").put("networks", networks)
                .put("sizes", sizeList).put("batch", batch).put("steps", steps).put("perturb_at", perturbAt)
                .put("beta", beta).put("final_error", finalError).put("free_error", freeError)
                .put("spikes_per_neuron_per_step", rate).put("png", png.toString());
    }
}
