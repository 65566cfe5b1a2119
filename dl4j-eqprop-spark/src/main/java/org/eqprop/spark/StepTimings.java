package org.eqprop.spark;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of synchronous steps goes: serializing and broadcasting θ (driver), the Spark job (task scheduling,
 * example selection, relaxation, result serialization, tree aggregation), within it the workers' gradient computation
 * (sum over partitions and the slowest partition per step), and the driver's update.
 */
public final class StepTimings {

    private long steps;
    private long broadcastNanos;
    private long jobNanos;
    private long computeNanos;
    private long criticalComputeNanos;
    private long updateNanos;

    synchronized void record(long broadcast, long job, long compute, long maxCompute, long update) {
        steps++;
        broadcastNanos += broadcast;
        jobNanos += job;
        computeNanos += compute;
        criticalComputeNanos += maxCompute;
        updateNanos += update;
    }

    public synchronized long steps() {
        return steps;
    }

    /**
     * Milliseconds per step: broadcast, job, compute (summed over partitions), critical compute (slowest partition),
     * overhead (job minus the slowest partition's compute: scheduling, (de)serialization, aggregation) and update.
     */
    public synchronized Map<String, Double> millisecondsPerStep() {
        Map<String, Double> m = new LinkedHashMap<>();
        double n = Math.max(1, steps) * 1e6;
        m.put("broadcast", broadcastNanos / n);
        m.put("job", jobNanos / n);
        m.put("compute_sum", computeNanos / n);
        m.put("compute_critical", criticalComputeNanos / n);
        m.put("spark_overhead", (jobNanos - criticalComputeNanos) / n);
        m.put("update", updateNanos / n);
        return m;
    }
}
