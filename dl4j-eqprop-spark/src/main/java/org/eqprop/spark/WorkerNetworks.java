package org.eqprop.spark;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.eqprop.training.EqPropNetwork;
import org.eqprop.training.FreePhaseAccuracy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor-side networks of the synchronous trainer: one {@link EqPropNetwork} per (trainer, partition), built
 * once from the broadcast configuration and reused by every step. Partitions compute concurrently in one JVM (Spark's
 * local mode, or several task slots per executor), so no network is shared between partitions; keeping a partition on
 * its network also keeps per-example persistent states where the examples are.
 */
final class WorkerNetworks {

    private static final Map<String, EqPropNetwork> NETWORKS = new ConcurrentHashMap<>();

    private WorkerNetworks() {
    }

    /** The network of this trainer and partition; networks of other trainers are dropped. */
    static EqPropNetwork forPartition(String trainerId, int partition, String configJson) {
        NETWORKS.keySet().removeIf(k -> !k.startsWith(trainerId + "/"));
        return NETWORKS.computeIfAbsent(trainerId + "/" + partition, k -> {
            EqPropNetwork net = new EqPropNetwork(MultiLayerConfiguration.fromJson(configJson));
            net.init();
            net.setListeners(new FreePhaseAccuracy());
            return net;
        });
    }

    /** Drops the networks of a trainer (on the driver's JVM; executors drop them when the next trainer starts). */
    static void release(String trainerId) {
        NETWORKS.keySet().removeIf(k -> k.startsWith(trainerId + "/"));
    }
}
