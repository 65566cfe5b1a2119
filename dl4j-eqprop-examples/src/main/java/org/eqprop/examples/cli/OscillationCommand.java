package org.eqprop.examples.cli;

import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.ComplexRelaxation;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.estimators.ComplexPhase;
import org.eqprop.estimators.ContourAverage;
import org.eqprop.estimators.HolomorphicEstimator;
import org.eqprop.estimators.OscillatingEstimator;
import org.eqprop.estimators.SymmetricEstimator;
import org.eqprop.examples.plot.LinePlot;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop oscillation}: the online form of holomorphic EqProp on a random dense network with a softmax readout,
 * in double precision. One phase whose nudge turns around the circle, β(t) = |β| e^{2πit/M} (each value held for K
 * steps), after the free phase. Plots the output states' oscillation in the complex plane over time, and the running
 * estimate of the gradient, Re Σ w_τ ∂Φ/∂θ(s_τ) over the last full turn, against the exact gradient (the contour
 * average with 16 relaxed points, exact to O(|β|^16)), next to the symmetric estimator at the same β.
 */
final class OscillationCommand {

    private OscillationCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("oscillation", "Online holomorphic EqProp: a nudge turning around |beta|.",
                "On a random dense network with a softmax readout, in double precision: after the free phase, "
                        + "one phase whose nudge turns around the circle, beta(t) = |beta| e^(2 pi i t/M), each value "
                        + "held for K steps. Plots the output states' oscillation in the complex plane over time, "
                        + "and the running estimate of the gradient over the last full turn against the exact "
                        + "gradient (the contour average with 16 relaxed points), next to the symmetric estimator "
                        + "at the same beta (Laborieux and Zenke 2022).");
        spec.addOption(Options.sizes().defaultValue("20,30,10").build());
        spec.addOption(Options.integer("--classes", "N", 2, "classes of the softmax readout").defaultValue("5")
                .build());
        spec.addOption(Options.integer("--batch", "B", 1, "random examples").defaultValue("8").build());
        spec.addOption(Options.number("--beta", "B", Options.Range.POSITIVE, "|beta|, the radius of the turning "
                + "nudge").defaultValue("0.5").build());
        spec.addOption(Options.integer("--values-per-turn", "M", 3, "values of beta per turn").defaultValue("32")
                .build());
        spec.addOption(Options.integer("--steps-per-value", "K", 1, "relaxation steps per value of beta")
                .defaultValue("4").build());
        spec.addOption(Options.integer("--turns", "N", 2, "turns of the nudge").defaultValue("3").build());
        spec.addOption(Options.choice("--activation", List.of("logistic", "sigmoid", "tanh"), "activation of the "
                + "states (holomorphic ones only)").defaultValue("logistic").build());
        spec.addOption(Options.longInteger("--seed", "S", "seed of the network and the data").defaultValue("1")
                .build());
        spec.addOption(Options.path("--out", "DIR", "where the plots go; default runs/oscillation").build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        String sizeList = a.string("sizes");
        int classes = a.integer("classes");
        int batch = a.integer("batch");
        double radius = a.number("beta");
        int valuesPerTurn = a.integer("values-per-turn");
        int stepsPerValue = a.integer("steps-per-value");
        int turns = a.integer("turns");
        String activationName = a.string("activation");
        long seed = a.longValue("seed");
        Path outDir = a.path("out") == null ? Paths.get("runs", "oscillation") : a.path("out");
        a.rejectUnused();
        int[] sizes;
        try {
            sizes = Arrays.stream(sizeList.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--sizes expects comma-separated widths like 20,30,10, got " + sizeList);
        }
        if (sizes.length < 2 || Arrays.stream(sizes).anyMatch(w -> w < 1)) {
            throw new Args.UsageException("--sizes needs an input width and at least one layer width >= 1, got "
                    + sizeList);
        }
        StateActivation activation;
        try {
            activation = StateActivation.of(activationName, 0);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--activation: " + e.getMessage());
        }
        if (!activation.isHolomorphic()) {
            throw new Args.UsageException("--activation " + activationName + " is not holomorphic: use sigmoid, "
                    + "logistic or tanh");
        }

        // a random network, input and labels (Glorot-uniform weights, zero biases)
        Random r = new Random(seed);
        List<Interaction> interactions = new ArrayList<>();
        int[] widths = Arrays.copyOfRange(sizes, 1, sizes.length);
        for (int k = 1; k < sizes.length; k++) {
            interactions.add(new DenseInteraction(uniform(r, sizes[k - 1], sizes[k]),
                    Nd4j.zeros(DataType.DOUBLE, 1, sizes[k])));
        }
        EnergyChain chain = new EnergyChain(interactions, widths, activation, FixedPointDynamics.INSTANCE);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, batch, sizes[0]);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, classes);
        for (int e = 0; e < batch; e++) {
            for (int j = 0; j < sizes[0]; j++) {
                x.putScalar(e, j, r.nextDouble());
            }
            y.putScalar(e, r.nextInt(classes), 1.0);
        }
        SoftmaxReadoutForce force = new SoftmaxReadoutForce(uniform(r, widths[widths.length - 1], classes),
                Nd4j.zeros(DataType.DOUBLE, 1, classes), y);
        INDArray inputDrive = chain.inputDrive(x);
        RelaxationControl converged = new RelaxationControl(20_000, 1e-13);
        Equilibrium free = ReferenceRelaxation.INSTANCE.relax(chain, inputDrive, chain.zeroStates(batch,
                DataType.DOUBLE), null, 0, converged);
        ComplexPhase phase = new ComplexPhase() {
            @Override
            public ComplexEquilibrium relax(double betaRe, double betaIm) {
                return betaIm == 0
                        ? ComplexEquilibrium.real(ReferenceRelaxation.INSTANCE.relax(chain, inputDrive, free.states(),
                        force, betaRe, converged))
                        : ComplexRelaxation.INSTANCE.relax(chain, inputDrive, free.states(), force, betaRe, betaIm,
                        converged);
            }

            @Override
            public ComplexEquilibrium advance(ComplexEquilibrium from, double betaRe, double betaIm, int steps) {
                return ComplexRelaxation.INSTANCE.relax(chain, inputDrive, from.re(), from.im(), force, betaRe, betaIm,
                        new RelaxationControl(steps, 0));
            }
        };

        INDArray exact = flat(gradient(chain, x, new HolomorphicEstimator(16).contour(free, phase, radius)));
        var symmetricContrast = new SymmetricEstimator().contrast(free, b -> phase.relax(b, 0).realPart(), radius);
        INDArray[][] views = views(chain);
        chain.writeContrastGradient(x, symmetricContrast.plus().states(), symmetricContrast.minus().states(),
                symmetricContrast.scale(), views);
        double symmetricError = relative(flat(views), exact);
        double contourError = relative(flat(gradient(chain, x,
                new HolomorphicEstimator(valuesPerTurn).contour(free, phase, radius))), exact);

        // the oscillating phase, every value of β recorded
        OscillatingEstimator oscillating = new OscillatingEstimator(valuesPerTurn, turns - 1, 1, stepsPerValue);
        List<OscillatingEstimator.Sample> samples = new ArrayList<>();
        ContourAverage integrated = oscillating.trajectory(free, phase, radius, samples::add);
        double finalError = relative(flat(gradient(chain, x, integrated)), exact);
        int n = samples.size();
        double[] t = new double[n];
        double[] running = new double[n];
        int units = Math.min(2, widths[widths.length - 1]);
        double[][] stateRe = new double[units][n];
        double[][] stateIm = new double[units][n];
        double w = 1.0 / (valuesPerTurn * radius);
        for (int i = 0; i < n; i++) {
            OscillatingEstimator.Sample s = samples.get(i);
            t[i] = i + 1;
            for (int u = 0; u < units; u++) {
                stateRe[u][i] = s.states().re()[widths.length - 1].getDouble(0, u);
                stateIm[u][i] = s.states().im()[widths.length - 1].getDouble(0, u);
            }
            if (i + 1 < valuesPerTurn) {
                running[i] = Double.NaN;
                continue;
            }
            // the estimate over the last full turn, as an online learner integrating with that window has it
            List<ContourAverage.Term> window = new ArrayList<>();
            for (int j = i + 1 - valuesPerTurn; j <= i; j++) {
                OscillatingEstimator.Sample q = samples.get(j);
                window.add(new ContourAverage.Term(q.states(), -w * q.betaRe() / radius, w * q.betaIm() / radius));
            }
            running[i] = relative(flat(gradient(chain, x, new ContourAverage(window))), exact);
        }
        Files.createDirectories(outDir);
        Path statesPng = outDir.resolve("oscillation.png");
        LinePlot states = new LinePlot("output states s_N(t) of example 1 while beta(t) = " + radius
                + " e^(2 pi i t/" + valuesPerTurn + ") turns (" + stepsPerValue + " step(s) per value)",
                "value of beta t (" + turns + " turns)").xValues(t)
                .legend("solid: real part   dashed: imaginary part");
        for (int u = 0; u < units; u++) {
            states.add("Re s_" + (u + 1), stateRe[u], false, u);
            states.add("Im s_" + (u + 1), stateIm[u], true, u);
        }
        states.write(statesPng);
        Path runningPng = outDir.resolve("running-gradient.png");
        double[] tail = Arrays.copyOfRange(t, valuesPerTurn - 1, n);
        double[] logRunning = Arrays.stream(Arrays.copyOfRange(running, valuesPerTurn - 1, n)).map(Math::log10)
                .toArray();
        double[] logSymmetric = new double[tail.length];
        double[] logContour = new double[tail.length];
        Arrays.fill(logSymmetric, Math.log10(symmetricError));
        Arrays.fill(logContour, Math.log10(contourError));
        new LinePlot("log10 relative error of the running gradient estimate (last full turn), |beta| = " + radius,
                "value of beta t").xValues(tail)
                .add("oscillating nudge", logRunning, false, 0)
                .add("symmetric estimator", logSymmetric, true, 1)
                .add(valuesPerTurn + " relaxed points", logContour, true, 2)
                .legend("against the 16-point contour average (exact to |beta|^16)")
                .write(runningPng);
        out.printf(Locale.ROOT, "oscillating nudge, %s network, batch %d, |beta| %.3g, %d values per turn, %d step(s) "
                        + "each, %d turns: relative error %.3e after the last turn; %d relaxed points %.3e; symmetric "
                        + "%.3e%n", sizeList.replace(',', '-'), batch, radius, valuesPerTurn, stepsPerValue, turns,
                finalError, valuesPerTurn, contourError, symmetricError);
        return new Json().put("command", "oscillation").put("sizes", sizeList).put("classes", classes)
                .put("batch", batch).put("beta", radius).put("values_per_turn", valuesPerTurn)
                .put("steps_per_value", stepsPerValue).put("turns", turns).put("activation", activation.toString())
                .put("relative_error", finalError).put("contour_relative_error", contourError)
                .put("symmetric_relative_error", symmetricError).put("free_steps", free.steps())
                .put("oscillation_png", statesPng.toString()).put("running_png", runningPng.toString());
    }

    private static INDArray uniform(Random r, int rows, int cols) {
        double a = Math.sqrt(6.0 / (rows + cols));
        INDArray m = Nd4j.zeros(DataType.DOUBLE, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.putScalar(i, j, (2 * r.nextDouble() - 1) * a);
            }
        }
        return m;
    }

    private static INDArray[][] views(EnergyChain chain) {
        INDArray[][] v = new INDArray[chain.depth()][];
        for (int k = 0; k < chain.depth(); k++) {
            INDArray[] p = chain.interaction(k).parameters();
            v[k] = Arrays.stream(p).map(q -> Nd4j.zeros(q.dataType(), q.shape())).toArray(INDArray[]::new);
        }
        return v;
    }

    private static INDArray[][] gradient(EnergyChain chain, INDArray x, ContourAverage contour) {
        INDArray[][] v = views(chain);
        contour.writeGradient(chain, x, v);
        return v;
    }

    private static INDArray flat(INDArray[][] views) {
        List<INDArray> parts = new ArrayList<>();
        for (INDArray[] vs : views) {
            for (INDArray v : vs) {
                parts.add(v.reshape(v.length()));
            }
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    private static double relative(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }
}
