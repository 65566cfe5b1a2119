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

/** {@code eqprop export --model FILE --out PARAMS.npz}: a saved model's parameters as NumPy, PyTorch layout. */
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
}
