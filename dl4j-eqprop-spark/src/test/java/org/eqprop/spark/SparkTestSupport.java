package org.eqprop.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.data.LabeledImages;
import org.eqprop.data.SyntheticImages;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.CosineAnnealingSchedule;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Small MNIST-shaped data and mnist-fc1-like networks for the Spark tests, and a local Spark context. */
final class SparkTestSupport {

    private SparkTestSupport() {
    }

    static JavaSparkContext context(String master) {
        return new JavaSparkContext(SparkContexts.conf(master, "eqprop-test"));
    }

    /** n synthetic 28×28 images of 10 classes (SyntheticImages' look-alike of MNIST). */
    static LabeledImages mnistLike(int n) {
        try {
            Path dir = Files.createTempDirectory("eqprop-spark-data");
            SyntheticImages.writeMnistLike(dir, n, 10);
            return LabeledImages.fromIdx(dir.resolve("train-images-idx3-ubyte.gz"),
                    dir.resolve("train-labels-idx1-ubyte"), 10, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * 784-hidden-10 EqProp block (hard sigmoid, T=30, K=10, β=0.1, symmetric, state-dependent nudging) with the
     * mnist-fc1 per-layer rates 0.08 and 0.04 under Nesterov momentum and per-epoch cosine annealing, squared error.
     */
    static MultiLayerConfiguration fc1(int hidden, long seed, String nudgingForce) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(rate(0.04))
                .list()
                .layer(new EqPropBlock.Builder().nIn(784).layerSizes(hidden, 10).stateActivation("hard-sigmoid")
                        .freeSteps(30).nudgedSteps(10).beta(0.1).estimator("symmetric").nudgingForce(nudgingForce)
                        .seed(seed).layerUpdaters(rate(0.08), rate(0.04)).build())
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(784))
                .build();
    }

    private static Nesterovs rate(double lr) {
        return new Nesterovs(new CosineAnnealingSchedule(ScheduleType.EPOCH, lr, lr * 1e-3, 4), 0.5);
    }

    /**
     * The largest relative difference over the parameter arrays of two networks of one configuration:
     * max_p ‖a_p − b_p‖∞ / ‖b_p‖∞ for each parameter array p (W1, b1, W2, ...), relative to the array's scale so
     * that near-zero entries (biases start at 0) do not turn float rounding into large ratios.
     */
    static double maxRelativeDifference(MultiLayerNetwork a, MultiLayerNetwork b) {
        double worst = 0;
        for (Map.Entry<String, INDArray> e : b.paramTable().entrySet()) {
            worst = Math.max(worst, relativeDifference(a.getParam(e.getKey()), e.getValue()));
        }
        return worst;
    }

    /** ‖a − b‖∞ / ‖b‖∞ (0 when both are zero). */
    static double relativeDifference(INDArray a, INDArray b) {
        double scale = b.castTo(DataType.DOUBLE).amaxNumber().doubleValue();
        double diff = a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        return diff == 0 ? 0 : diff / scale;
    }
}
