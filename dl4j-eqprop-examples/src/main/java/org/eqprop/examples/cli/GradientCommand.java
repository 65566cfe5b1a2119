package org.eqprop.examples.cli;

import org.eqprop.dynamics.Equilibrium;
import org.eqprop.io.Npz;
import org.eqprop.io.NumpyParams;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.LongStream;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop gradient}: the EqProp gradient estimate for one batch and given parameters, both as NumPy files in
 * PyTorch conventions ({@link NumpyParams}: W_k [out, in] or a convolution's [out, in, kH, kW], b_k [out]; x [n, c, h,
 * w] or [n, features], y [n] labels or [n, classes] one-hot), so that it can be compared with other implementations.
 * The preset gives the kind of each interaction (its convolutions' kernels, paddings and pooling, then dense layers),
 * the file their widths: the channels of each convolution, the dense layers and the classes. Writes dW_k, db_k
 * (gradient of the batch-mean cost) and the free fixed point s_k ([n, c, h, w] for a convolution's map, [n, width]
 * otherwise).
 */
final class GradientCommand {

    private GradientCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("gradient", "The EqProp gradient of one batch, NumPy in and out.",
                "Reads parameters W1, b1, W2, b2, ... (a dense or readout Wk [out, in], a convolution's Wk [out, in, "
                        + "kH, kW], bk [out]; float32 or float64) and a batch x [n, features] or [n, c, h, w], y [n] "
                        + "integer labels or [n, classes] one-hot, as NumPy .npz in the PyTorch research code's "
                        + "conventions, and writes dW1, db1, ... (the estimate of dL/dtheta for L the batch mean of "
                        + "the cost) and s1, s2, ... (the free fixed point, [n, width] or [n, c, h, w]), so that it "
                        + "can be compared "
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
        int convs = p.conv == null ? 0 : p.conv.length;
        boolean readout = p.cost.equals("cross-entropy");
        int pairs = 0;
        while (params.containsKey("W" + (pairs + 1))) {
            pairs++;
        }
        // the convolutions, then at least one dense layer (the output); a readout needs a relaxing layer below it
        int needed = convs + (readout && convs == 0 ? 2 : 1);
        if (pairs < needed) {
            throw new Args.UsageException("missing W" + (pairs + 1) + " in " + paramsPath + ": preset " + p.name
                    + " needs W1.." + "W" + needed + " at least (" + (convs > 0 ? convs + " convolutions [out, in, "
                    + p.conv[0].getKernel() + ", " + p.conv[0].getKernel() + "], then " : "") + (readout
                    ? "relaxing layers and the readout" : "layers") + " [out, in]), the file has " + pairs);
        }
        long[] outs = new long[pairs];
        for (int k = 1; k <= pairs; k++) {
            INDArray w = params.get("W" + k);
            int rank = k <= convs ? 4 : 2;
            if (w.rank() != rank) {
                throw new Args.UsageException("W" + k + " must be " + (rank == 4 ? "[out, in, "
                        + p.conv[k - 1].getKernel() + ", " + p.conv[k - 1].getKernel() + "] (convolution " + k
                        + " of preset " + p.name + ")" : "[out, in] (" + (k == pairs && readout ? "the readout"
                        : "a dense layer") + (convs > 0 ? " after the " + convs + " convolutions of preset " + p.name
                        : "") + ")") + ", got " + Arrays.toString(w.shape()));
            }
            outs[k - 1] = w.size(0);
        }
        DataType dt = params.get("W1").dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray x = batch.get("x");
        if (x == null) {
            throw new Args.UsageException("missing x in " + batchPath + ": expected " + (convs > 0
                    ? "[n, c, h, w] or [n, c·h·w]" : "[n, features]"));
        }
        long[] inputShape = inputShape(x, params.get("W1"), convs > 0, p.inputShape);
        int n = (int) x.size(0);
        int classes = (int) outs[pairs - 1];
        INDArray targets = targets(batch.get("y"), n, classes, dt);

        p.classes = classes;
        p.hidden = Arrays.stream(Arrays.copyOfRange(outs, convs, pairs - 1)).mapToInt(v -> (int) v).toArray();
        for (int k = 0; k < convs; k++) {
            p.conv[k].setChannels((int) outs[k]);
        }
        p.inputShape = inputShape;
        p.inputs = (int) LongStream.of(inputShape).reduce(1, (u, v) -> u * v);
        p.learningRates = new double[pairs];
        Arrays.fill(p.learningRates, 0.01);
        if (dt == DataType.DOUBLE && p.relaxation.engine() == org.eqprop.engines.EngineKind.AUTO) {
            p.relaxation = p.relaxation.withEngine(org.eqprop.engines.EngineKind.REFERENCE);
        }
        EqPropNetwork net;
        try {
            net = new EqPropNetwork(p.configuration(1, dt));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Args.UsageException("the parameters' network " + p.architecture() + " cannot be built: "
                    + e.getMessage());
        }
        net.init();
        ExportCommand.load(net, params, "--params " + paramsPath);
        net.setInput(x.castTo(dt).reshape('c', n, p.inputs));
        net.setLabels(targets);
        net.computeGradientAndScore();
        double loss = net.score();

        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        EqPropBlock conf = block.layerConf();
        Map<String, INDArray> result = new LinkedHashMap<>(NumpyParams.exportGradients(net, 1.0 / n));
        Equilibrium free = block.freeEquilibrium();
        for (int k = 0; k < free.states().length; k++) {
            long[] shape = LongStream.concat(LongStream.of(n), LongStream.of(conf.stateShape(k))).toArray();
            result.put("s" + (k + 1), free.states()[k].reshape('c', shape));
        }
        Npz.write(outPath, result);
        out.printf(java.util.Locale.ROOT, "EqProp gradient (%s, %s, beta=%s, T=%d, K=%d, %s) of %d examples written to "
                        + "%s; mean cost %.6g%n", p.architecture(), p.estimation.estimator().cliName(), p.estimation.beta(), p.relaxation.freeSteps(), p.relaxation.nudgedSteps(),
                dt, n, outPath, loss);
        return new Json().put("command", "gradient").put("preset", p.name).put("out", outPath.toString())
                .put("architecture", p.architecture()).put("examples", n).put("estimator", p.estimation.estimator().cliName())
                .put("beta", p.estimation.beta()).put("cost", p.cost).put("dtype", dt.toString().toLowerCase())
                .put("loss", loss).put("free_residual", free.residual()).put("free_steps", free.steps())
                .put("arrays", new ArrayList<>(result.keySet()));
    }

    /**
     * One example's shape: {features} for a dense net; {c, h, w} for a conv net, from x [n, c, h, w] or from x
     * [n, c·h·w] with the preset's maps or square ones, c being W1's input channels.
     */
    static long[] inputShape(INDArray x, INDArray w1, boolean conv, long[] presetShape) {
        String got = ", got " + Arrays.toString(x.shape());
        if (!conv) {
            long features = w1.size(1);
            if (x.rank() != 2 || x.size(1) != features) {
                throw new Args.UsageException("x must be [n, " + features + "] (W1 takes " + features + " features)"
                        + got);
            }
            return new long[]{features};
        }
        long c = w1.size(1);
        if (x.rank() == 4 && x.size(1) == c) {
            return new long[]{c, x.size(2), x.size(3)};
        }
        if (x.rank() == 2) {
            long f = x.size(1);
            if (presetShape[0] == c && f == presetShape[0] * presetShape[1] * presetShape[2]) {
                return presetShape.clone();
            }
            long side = Math.round(Math.sqrt((double) f / c));
            if (side * side * c == f) {
                return new long[]{c, side, side};
            }
        }
        throw new Args.UsageException("x must be [n, " + c + ", h, w], or [n, " + c + "·h·w] with square maps (W1 takes "
                + c + " channels)" + got);
    }

    /** The one-hot targets from y [n] integer labels or y [n, classes] one-hot. */
    static INDArray targets(INDArray y, int n, int classes, DataType dt) throws IOException {
        String expected = "[" + n + "] integer labels or [" + n + ", " + classes + "] one-hot";
        if (y == null) {
            throw new Args.UsageException("missing y in the batch: expected " + expected);
        }
        if (y.rank() == 2 && y.size(0) == n && y.size(1) == classes) {
            double[] v = y.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = 0; j < classes; j++) {
                    double e = v[i * classes + j];
                    if (e != 0 && e != 1) {
                        throw new IOException("y [" + n + ", " + classes + "] is not one-hot: row " + i + " holds " + e);
                    }
                    sum += e;
                }
                if (sum != 1) {
                    throw new IOException("y [" + n + ", " + classes + "] is not one-hot: row " + i + " has " + sum
                            + " ones");
                }
            }
            return y.castTo(dt);
        }
        if (y.rank() > 2 || y.length() != n || (y.rank() == 2 && y.size(1) != 1)) {
            throw new Args.UsageException("y must be " + expected + ", got " + Arrays.toString(y.shape()));
        }
        long[] labels = y.castTo(DataType.LONG).data().asLong();
        INDArray oneHot = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IOException("label " + labels[i] + " of example " + i + " is outside [0, " + classes + ")");
            }
            oneHot.putScalar(i, labels[i], 1.0);
        }
        return oneHot;
    }
}
