package org.eqprop.examples.cli;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.data.LabeledImages;
import org.eqprop.io.ModelFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

import picocli.CommandLine.Model.CommandSpec;

/** {@code eqprop evaluate --model FILE}: test error of a saved model on the test set of its data set. */
final class EvaluateCommand {

    private EvaluateCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("evaluate", "Test error of a saved model.",
                "Loads a model (model.zip or model-best.zip of a run) and measures its error on the test set of "
                        + "its data set: MNIST, or CIFAR-10 for 3x32x32 inputs.");
        spec.addOption(Options.path("--model", "FILE", "the model zip").required(true).build());
        spec.addOption(Options.dataDir().build());
        spec.addOption(Options.testLimit().build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        Path model = a.path("model");
        Path dataDir = a.path("data-dir");
        int testLimit = a.integer("test-limit", 0, 1);
        a.rejectUnused();
        MultiLayerNetwork net = ModelFiles.load(model);
        Datasets.Data data = Datasets.load(Datasets.forInputs(net.layerInputSize(0)), dataDir, 1, testLimit, false,
                0);
        LabeledImages test = data.test();
        double err = TrainCommand.testError(net, data.testIterator(500));
        out.printf(Locale.ROOT, "test error %.2f%% on %d examples%n", 100 * err, test.size());
        return new Json().put("command", "evaluate").put("model", model.toString()).put("test_error", err)
                .put("test_examples", test.size());
    }
}
