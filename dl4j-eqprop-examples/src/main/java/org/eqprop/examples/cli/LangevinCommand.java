package org.eqprop.examples.cli;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop langevin}: the bias and spread of Langevin EqProp against the noise-free gradient, for a grid of
 * temperatures T and nudges β. A random hard-sigmoid network with the squared error on its output, in double precision,
 * runs the projected Langevin dynamics s ← clip(s + ε(∂Φ/∂s − s) + √(2εT) ξ, 0, 1). Each estimate averages S samples
 * of each nudged phase after its burn-in; R repetitions with different noise give the mean and the spread. The
 * reference is the symmetric estimate at β = 1e-4 with converged noise-free phases.
 */
final class LangevinCommand {

    private LangevinCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("langevin", "Langevin EqProp's bias and spread against the noise-free "
                        + "gradient.",
                "For a grid of temperatures T and nudges beta: a random hard-sigmoid network with the squared "
                        + "error on its output, in double precision, runs the projected Langevin dynamics s <- "
                        + "clip(s + eps (dPhi/ds - s) + sqrt(2 eps T) xi, 0, 1). Each estimate averages S samples "
                        + "of each nudged phase after its burn-in; R repetitions with different noise give the mean "
                        + "and the spread. The reference is the symmetric estimate at beta = 1e-4 with converged "
                        + "noise-free phases.");
        spec.addOption(Options.sizes().defaultValue("6,8,3").build());
        spec.addOption(Options.integer("--batch", "B", 1, "random examples").defaultValue("8").build());
        spec.addOption(Options.text("--temperatures", "T[,T...]", "the temperatures (>= 0)")
                .defaultValue("0,1e-4,1e-3,1e-2").build());
        spec.addOption(Options.text("--betas", "B[,B...]", "the nudges (> 0)").defaultValue("0.05,0.1,0.2,0.5")
                .build());
        spec.addOption(Options.integer("--samples", "S", 1, "samples per nudged phase").defaultValue("20").build());
        spec.addOption(Options.integer("--repetitions", "R", 2, "repetitions with other noise").defaultValue("8")
                .build());
        spec.addOption(Options.integer("--burn-in", "N", 1, "noisy steps before the samples").defaultValue("60")
                .build());
        spec.addOption(Options.integer("--free-steps", "T", 1, "steps of the free phase").defaultValue("100")
                .build());
        spec.addOption(Options.number("--euler-step", "EPS", Options.Range.openClosed(0, 1), "Euler step size")
                .defaultValue("0.5").build());
        spec.addOption(Options.longInteger("--seed", "S", "seed of the network, the data and the noise")
                .defaultValue("1").build());
        spec.addOption(Options.path("--out", "DIR", "where the table and plots go; default runs/langevin")
                .build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        int[] sizes = ints(a.string("sizes"), "--sizes");
        int batch = a.integer("batch");
        double[] temperatures = doubles(a.string("temperatures"), "--temperatures");
        double[] betas = doubles(a.string("betas"), "--betas");
        int samples = a.integer("samples");
        int repetitions = a.integer("repetitions");
        int burnIn = a.integer("burn-in");
        int freeSteps = a.integer("free-steps");
        double epsilon = a.number("euler-step");
        long seed = a.longValue("seed");
        Path outDir = a.path("out") == null ? Paths.get("runs", "langevin") : a.path("out");
        a.rejectUnused();
        if (sizes.length < 2 || Arrays.stream(sizes).anyMatch(w -> w < 1)) {
            throw new Args.UsageException("--sizes needs an input width and at least one layer width >= 1");
        }
        if (Arrays.stream(temperatures).anyMatch(t -> t < 0) || Arrays.stream(betas).anyMatch(b -> b <= 0)) {
            throw new Args.UsageException("--temperatures must be >= 0 and --betas > 0");
        }
        Random r = new Random(seed);
        int outputs = sizes[sizes.length - 1];
        INDArray x = Nd4j.zeros(DataType.DOUBLE, batch, sizes[0]);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, outputs);
        for (int e = 0; e < batch; e++) {
            for (int j = 0; j < sizes[0]; j++) {
                x.putScalar(e, j, r.nextDouble());
            }
            y.putScalar(e, r.nextInt(outputs), 1.0);
        }
        int[] layers = Arrays.copyOfRange(sizes, 1, sizes.length);
        INDArray truth = gradient(base(sizes[0], layers, epsilon).freeSteps(20_000).nudgedSteps(20_000)
                .tolerance(1e-13).beta(1e-4).build(), x, y, seed);
        double norm = truth.norm2Number().doubleValue();
        if (!(norm > 0)) {
            throw new IllegalStateException("the noise-free gradient of this random network is zero (its hard-sigmoid "
                    + "units are saturated): pick other --sizes or --seed");
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "Langevin EqProp against the noise-free gradient (%s hard-sigmoid net, squared error, batch %d, "
                        + "eps %.2g, %d free steps, burn-in %d, S = %d samples per nudged phase, %d repetitions)%n"
                        + "bias = |mean - g| / |g|, spread = rms |estimate - mean| / |g|%n%n| T |",
                String.join("-", Arrays.stream(sizes).mapToObj(Integer::toString).toArray(String[]::new)), batch,
                epsilon, freeSteps, burnIn, samples, repetitions));
        for (double b : betas) {
            table.append(String.format(Locale.ROOT, " beta %.3g: bias | spread |", b));
        }
        table.append(System.lineSeparator()).append("|---|").append("---|---|".repeat(betas.length))
                .append(System.lineSeparator());
        Map<String, Object> bias = new LinkedHashMap<>();
        Map<String, Object> spread = new LinkedHashMap<>();
        for (double t : temperatures) {
            table.append(String.format(Locale.ROOT, "| %.0e |", t));
            List<Double> bt = new ArrayList<>();
            List<Double> st = new ArrayList<>();
            for (double b : betas) {
                INDArray[] g = new INDArray[repetitions];
                INDArray mean = Nd4j.zeros(DataType.DOUBLE, truth.shape());
                for (int rep = 0; rep < repetitions; rep++) {
                    EqPropBlock block = base(sizes[0], layers, epsilon).dynamics("langevin").temperature(t)
                            .freeSteps(freeSteps).nudgedSteps(burnIn).beta(b).estimator("langevin")
                            .samples(samples).seed(seed * 1000 + rep).build();
                    g[rep] = gradient(block, x, y, seed);
                    mean.addi(g[rep].div(repetitions));
                }
                double ms = 0;
                for (INDArray e : g) {
                    ms += Math.pow(e.sub(mean).norm2Number().doubleValue(), 2) / repetitions;
                }
                double bi = mean.sub(truth).norm2Number().doubleValue() / norm;
                double sp = Math.sqrt(ms) / norm;
                bt.add(bi);
                st.add(sp);
                table.append(String.format(Locale.ROOT, " %.3f | %.3f |", bi, sp));
            }
            table.append(System.lineSeparator());
            bias.put(Double.toString(t), bt);
            spread.put(Double.toString(t), st);
            out.printf(Locale.ROOT, "T = %.0e done%n", t);
        }
        out.print(table);
        Files.createDirectories(outDir);
        Path report = outDir.resolve("bias-variance.md");
        Files.writeString(report, table.toString());
        return new Json().put("command", "langevin").put("sizes", Arrays.toString(sizes)).put("batch", batch)
                .put("betas", Arrays.stream(betas).boxed().toList()).put("samples", samples)
                .put("repetitions", repetitions).put("burn_in", burnIn).put("free_steps", freeSteps)
                .put("bias", bias).put("spread", spread).put("report", report.toString());
    }

    private static EqPropBlock.Builder base(int nIn, int[] layers, double epsilon) {
        return new EqPropBlock.Builder().nIn(nIn).layerSizes(layers).dynamics("euler").eulerStep(epsilon)
                .engine("reference");
    }

    /** The block's EqProp gradient (summed over the batch) in a squared-error network with fixed initial weights. */
    private static INDArray gradient(EqPropBlock block, INDArray x, INDArray y, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list()
                .layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(block.getNIn())).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.getLayer(0).getGradientsViewArray().dup();
    }

    private static int[] ints(String list, String option) {
        try {
            return Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new Args.UsageException(option + " expects comma-separated integers, got " + list);
        }
    }

    private static double[] doubles(String list, String option) {
        try {
            return Arrays.stream(list.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw new Args.UsageException(option + " expects comma-separated numbers, got " + list);
        }
    }
}
