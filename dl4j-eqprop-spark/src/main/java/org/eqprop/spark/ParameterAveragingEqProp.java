package org.eqprop.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * EqProp through DL4J's own Spark integration: {@link SparkDl4jMultiLayer} with a
 * {@link ParameterAveragingTrainingMaster}. Each worker rebuilds a plain {@code MultiLayerNetwork} from the
 * configuration and fits its minibatches with the stock {@code fit}; this trains by EqProp because the EqProp block
 * computes its gradient in {@code backpropGradient} from the held force −β ε (Scellier thesis ch. 2 fn. 1); every
 * {@code averagingFrequency} minibatches the master averages the workers' parameters (and updater states).
 *
 * <p>What this route loses against {@link SynchronousEqPropTrainer}: the state-dependent nudging of
 * {@code EqPropNetwork} (blocks configured with {@code nudgingForce("recomputed")} fall back to the held force, which
 * gives the same gradient as β → 0), persistent states across averaging rounds (each round's workers start with fresh
 * networks) and equality with single-machine steps (averaged local SGD is a different algorithm). Per-layer learning
 * rates, estimators, engines and schedules are in the layer configuration and survive.
 */
public final class ParameterAveragingEqProp {

    private ParameterAveragingEqProp() {
    }

    /**
     * @param net                the initialized network; {@code getNetwork()} of the result holds the averaged one
     * @param batchSizePerWorker examples per minibatch on each worker (the RDD's DataSets are split or merged to it)
     * @param averagingFrequency minibatches each worker fits between two averagings
     */
    public static SparkDl4jMultiLayer create(JavaSparkContext sc, MultiLayerNetwork net, int batchSizePerWorker,
                                             int averagingFrequency) {
        if (batchSizePerWorker < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("batch size per worker and averaging frequency must be >= 1, got "
                    + batchSizePerWorker + " and " + averagingFrequency);
        }
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .build();
        return new SparkDl4jMultiLayer(sc, net, master);
    }
}
