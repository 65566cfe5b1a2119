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

/**
 * {@code eqprop export --model FILE --out PARAMS.npz}: a saved model's parameters as NumPy, PyTorch layout
 * ({@link NumpyParams}: dense nets and conv nets); {@link #load} is the way back ({@code --init-params}, {@code
 * gradient --params}).
 */
final class ExportCommand {

    private ExportCommand() {
    }

    static Json run(Args a, PrintStream out) throws IOException {
        Path model = Path.of(a.required("model"));
        Path target = Path.of(a.required("out"));
        a.rejectUnknown();
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
