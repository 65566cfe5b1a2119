package org.eqprop.spark;

import java.io.Serializable;

/**
 * A hook run at the start of every gradient task, for testing recovery: throwing from it fails that task attempt, as
 * a crashed worker would, and Spark retries the task (up to {@code spark.task.maxFailures}).
 */
@FunctionalInterface
public interface TaskFault extends Serializable {

    /** No injected failures. */
    TaskFault NONE = (partition, step, attempt) -> {
    };

    /**
     * @param partition the partition the task computes
     * @param step      the synchronous step (0-based, counted by the trainer)
     * @param attempt   Spark's attempt number of this task (0 for the first)
     */
    void check(int partition, long step, int attempt);
}
