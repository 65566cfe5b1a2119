package org.eqprop.examples.cli;

import org.eqprop.dynamics.Equilibrium;
import org.eqprop.io.Npz;
import org.eqprop.io.NumpyParams;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop gradient}: the EqProp gradient estimate for one batch and given parameters, both as NumPy files in
 * PyTorch conventions (W_k [out, in], b_k [out], x [n, features], y [n] labels), so that it can be compared with
 * other implementations. Writes dW_k, db_k (gradient of the batch-mean cost) and the free fixed point s_k.
 */
final class GradientCommand {

    private GradientCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("gradient", "The EqProp gradient of one batch, NumPy in and out.",
                "Reads parameters W1, b1, W2, b2, ... (Wk [out, in], bk [out], float32 or float64) and a batch x "
                        + "[n, features], y [n] integer labels, as NumPy .npz in the PyTorch research code's "
                        + "conventions, and writes dW1, db1, ... (the estimate of dL/dtheta for L the batch mean of "
                        + "the cost) and s1, s2, ... (the free fixed point, [n, width]), so that it can be compared "
                        + "with other implementations. With --cost cross-entropy the last W, b pair is the softmax "
                        + "readout. float64 parameters run in double precision on the reference engine. --out may "
                        + "not be one of the inputs.");
        spec.addOption(PresetOptions.preset().required(true).build());
        spec.addOption(Options.path("--params", "IN.npz", "the parameters").required(true).build());
        spec.addOption(Options.path("--batch", "BATCH.npz", "the batch: x and y").required(true).build());
        spec.addOption(Options.path("--out", "OUT.npz", "the gradient and the free fixed point").required(true)
                .build());
        PresetOptions.groups().forEach(spec::addArgGroup);
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        Preset p = Preset.named(a.required("preset"));
        Path paramsPath = a.path("params");
        Path batchPath = a.path("batch");
        Path outPath = a.path("out");
        p.override(a);
        a.rejectUnused();
        Args.requireDistinct(outPath, "--out", paramsPath, "--params");
        Args.requireDistinct(outPath, "--out", batchPath, "--batch");

        Map<String, INDArray> params = Npz.read(paramsPath, Npz.PARAMETERS);
        Map<String, INDArray> batch = Npz.read(batchPath, name -> name.equals("x") || name.equals("y"));
        int pairs = 0;
        while (params.containsKey("W" + (pairs + 1))) {
            pairs++;
        }
        if (pairs == 0) {
            throw new IOException(paramsPath + " holds no W1 array (expected W1, b1, W2, b2, ...)");
        }
        DataType dt = params.get("W1").dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        long[] outs = new long[pairs];
        long lower = -1;
        for (int k = 1; k <= pairs; k++) {
            INDArray w = params.get("W" + k);
            INDArray b = params.get("b" + k);
            if (w.rank() != 2) {
                throw new IOException("W" + k + " must be [out, in], got shape " + Arrays.toString(w.shape()));
            }
            if (b == null || b.length() != w.size(0)) {
                throw new IOException("b" + k + " must be [" + w.size(0) + "], got "
                        + (b == null ? "nothing" : Arrays.toString(b.shape())));
            }
            if (lower >= 0 && w.size(1) != lower) {
                throw new IOException("W" + k + " has " + w.size(1) + " inputs but layer " + (k - 1) + " has " + lower
                        + " units");
            }
            outs[k - 1] = w.size(0);
            lower = w.size(0);
        }
        INDArray x = batch.get("x");
        INDArray y = batch.get("y");
        if (x == null || y == null) {
            throw new IOException(batchPath + " must hold x [n, features] and y [n] (integer labels)");
        }
        if (x.rank() != 2 || x.size(1) != params.get("W1").size(1)) {
            throw new IOException("x has shape " + Arrays.toString(x.shape()) + " but W1 expects "
                    + params.get("W1").size(1) + " features");
        }
        boolean readout = p.cost.equals("cross-entropy");
        if (readout && pairs < 2) {
            throw new IOException("the cross-entropy readout needs at least W1 (relaxing) and W2 (readout)");
        }
        int classes = (int) outs[pairs - 1];
        int n = (int) x.size(0);
        long[] labels = y.castTo(DataType.LONG).data().asLong();
        if (labels.length != n) {
            throw new IOException("y has " + labels.length + " labels for " + n + " examples");
        }
        INDArray oneHot = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IOException("label " + labels[i] + " of example " + i + " is outside [0, " + classes + ")");
            }
            oneHot.putScalar(i, labels[i], 1.0);
        }

        p.inputs = (int) x.size(1);
        p.classes = classes;
        p.hidden = Arrays.stream(Arrays.copyOf(outs, pairs - 1)).mapToInt(v -> (int) v).toArray();
        p.learningRates = new double[pairs];
        Arrays.fill(p.learningRates, 0.01);
        if (dt == DataType.DOUBLE && p.engine.equals("auto")) {
            p.engine = "reference";
        }
        EqPropNetwork net = new EqPropNetwork(p.configuration(1, dt));
        net.init();
        NumpyParams.load(net, params);
        net.setInput(x.castTo(dt));
        net.setLabels(oneHot);
        net.computeGradientAndScore();
        double loss = net.score();

        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        Map<String, INDArray> result = new LinkedHashMap<>(NumpyParams.exportGradients(net, 1.0 / n));
        Equilibrium free = block.freeEquilibrium();
        for (int k = 0; k < free.states().length; k++) {
            result.put("s" + (k + 1), free.states()[k]);
        }
        Npz.write(outPath, result);
        out.printf(java.util.Locale.ROOT, "EqProp gradient (%s, beta=%s, T=%d, K=%d, %s) of %d examples written to "
                        + "%s; mean cost %.6g%n", p.estimator, p.beta, p.freeSteps, p.nudgedSteps, dt, n, outPath,
                loss);
        return new Json().put("command", "gradient").put("preset", p.name).put("out", outPath.toString())
                .put("examples", n).put("estimator", p.estimator).put("beta", p.beta).put("cost", p.cost)
                .put("dtype", dt.toString().toLowerCase()).put("loss", loss)
                .put("free_residual", free.residual()).put("free_steps", free.steps());
    }
}
