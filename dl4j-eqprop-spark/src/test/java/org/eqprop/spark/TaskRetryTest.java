package org.eqprop.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.eqprop.data.LabeledImages;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A worker failure injected into one task is retried by Spark (local[2,2]: 2 attempts per task) and training ends. */
class TaskRetryTest {

    /** Local mode runs the tasks in this JVM, so the injected fault can count here. */
    static final AtomicInteger FAILURES = new AtomicInteger();
    static final AtomicInteger RETRIES = new AtomicInteger();

    @Test
    void anInjectedTaskFailureIsRetriedAndTrainingCompletes() {
        JavaSparkContext sc = SparkTestSupport.context("local[2,2]");
        try {
            LabeledImages data = SparkTestSupport.mnistLike(60);
            EqPropNetwork single = new EqPropNetwork(SparkTestSupport.fc1(30, 9, "recomputed"));
            single.init();
            EqPropNetwork driver = new EqPropNetwork(SparkTestSupport.fc1(30, 9, "recomputed"));
            driver.init();
            BatchSchedule schedule = new BatchSchedule(data.size(), 20, 2);
            TaskFault crashOnce = (partition, step, attempt) -> {
                if (partition == 1 && step == 1) {
                    if (attempt == 0) {
                        FAILURES.incrementAndGet();
                        throw new IllegalStateException("injected worker failure (partition 1, step 1)");
                    }
                    RETRIES.incrementAndGet();
                }
            };
            try (SynchronousEqPropTrainer trainer = new SynchronousEqPropTrainer(sc, driver,
                    ExamplePartitions.fromLocal(sc, data, 2)).taskFault(crashOnce)) {
                SynchronousEqPropTrainer.EpochResult r = trainer.fitEpoch(schedule);
                assertEquals(3, r.steps());
            }
            assertEquals(1, FAILURES.get(), "the fault should have failed exactly one task attempt");
            assertEquals(1, RETRIES.get(), "Spark should have retried the failed task once");
            BatchSchedule same = new BatchSchedule(data.size(), 20, 2);
            for (int[] b : same.nextEpoch()) {
                single.fit(data.slice(b, 0, b.length, DataType.FLOAT));
            }
            double d = SparkTestSupport.maxRelativeDifference(driver, single);
            assertTrue(d < 1e-5, "the retried run differs from the single-machine run by " + d);
        } finally {
            sc.stop();
        }
    }
}
