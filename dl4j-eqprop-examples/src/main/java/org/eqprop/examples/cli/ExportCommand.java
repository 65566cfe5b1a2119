package org.eqprop.examples.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.io.ModelFiles;
import org.eqprop.io.Npz;
import org.eqprop.io.NumpyParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop export --model FILE --out PARAMS.npz}: a saved model's parameters as NumPy, PyTorch layout
 * ({@link NumpyParams}: dense nets and conv nets); {@link #load} is the way back ({@code --init-params}, {@code
 * gradient --params}).
 */
final class ExportCommand {

    private ExportCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("export", "A saved model's parameters as NumPy, in PyTorch's layout.",
                "Writes W1, b1, W2, b2, ... (a dense or readout Wk [out, in], a convolution's Wk [out, in, kH, kW], bk "
                        + "[out]; docs/data.md) as NumPy .npz, the layout of the PyTorch "
                        + "research code, so that runs can be compared with PyTorch weights or started from them "
                        + "(train --init-params reads the same layout; org.eqprop.io.NumpyParams does it from "
                        + "Java). --out may not be the model itself.");
        spec.addOption(Options.path("--model", "FILE", "the model zip").required(true).build());
        spec.addOption(Options.path("--out", "PARAMS.npz", "the NumPy file to write").required(true).build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        Path model = a.path("model");
        Path target = a.path("out");
        a.rejectUnused();
        Args.requireDistinct(target, "--out", model, "--model");
        MultiLayerNetwork net = ModelFiles.load(model);
        Map<String, INDArray> params = NumpyParams.export(net);
        Npz.write(target, params);
        out.println("wrote " + params.keySet() + " to " + target);
        return new Json().put("command", "export").put("model", model.toString()).put("out", target.toString())
                .put("arrays", new java.util.ArrayList<>(params.keySet()));
    }

    /**
     * Loads {@code .npz} parameters into the network ({@link NumpyParams#load}); a missing array or a wrong shape is
     * a usage error (exit 2) whose message names the array, the expected and the actual shape.
     */
    static void load(MultiLayerNetwork net, Path file, String option) throws IOException {
        load(net, Npz.read(file, Npz.PARAMETERS), option + " " + file);
    }

    static void load(MultiLayerNetwork net, Map<String, INDArray> params, String source) throws IOException {
        try {
            NumpyParams.load(net, params);
        } catch (NumpyParams.Mismatch e) {
            throw new Args.UsageException(source + ": " + e.getMessage());
        }
    }
}
