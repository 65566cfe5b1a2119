package org.eqprop.spark;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.eqprop.training.EqPropNetwork;
import org.eqprop.training.FreePhaseAccuracy;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor-side state of the synchronous trainer: one {@link Worker} per (trainer, partition), built once from the
 * broadcast configuration and reused by every step. Partitions compute concurrently in one JVM (Spark's local mode,
 * or several task slots per executor), so no network is shared between partitions; keeping a partition on its
 * network also keeps per-example persistent states where the examples are, and its preprocessor's random state
 * (augmentations) advances from step to step instead of restarting with every task.
 */
final class WorkerNetworks {

    /** A partition's network (with its free-phase accuracy counter) and preprocessor. */
    record Worker(EqPropNetwork network, FreePhaseAccuracy accuracy, DataSetPreProcessor preProcessor) {
    }

    private static final Map<String, Worker> WORKERS = new ConcurrentHashMap<>();

    private WorkerNetworks() {
    }

    /** The worker of this trainer and partition (the first task's preprocessor copy is kept); others are dropped. */
    static Worker forPartition(String trainerId, int partition, String configJson, DataSetPreProcessor preProcessor) {
        WORKERS.keySet().removeIf(k -> !k.startsWith(trainerId + "/"));
        return WORKERS.computeIfAbsent(trainerId + "/" + partition, k -> {
            EqPropNetwork net = new EqPropNetwork(MultiLayerConfiguration.fromJson(configJson));
            net.init();
            FreePhaseAccuracy accuracy = new FreePhaseAccuracy();
            net.setListeners(accuracy);
            return new Worker(net, accuracy, preProcessor);
        });
    }

    /** Drops the workers of a trainer (on the driver's JVM; executors drop them when the next trainer starts). */
    static void release(String trainerId) {
        WORKERS.keySet().removeIf(k -> k.startsWith(trainerId + "/"));
    }
}
