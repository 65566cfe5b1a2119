package org.eqprop.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.eqprop.data.LabeledImages;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Manual timing of synchronous steps (run with -Deqprop.profile=true). */
class StepProfile {

    @Test
    @EnabledIfSystemProperty(named = "eqprop.profile", matches = "true")
    void profile() {
        JavaSparkContext sc = SparkTestSupport.context(System.getProperty("eqprop.master", "local[2]"));
        try {
            LabeledImages data = SparkTestSupport.mnistLike(2000);
            EqPropNetwork net = new EqPropNetwork(SparkTestSupport.fc1(500, 1, "recomputed"));
            net.init();
            try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, net,
                    ExamplePartitions.fromLocal(sc, data, 2))) {
                BatchSchedule s = new BatchSchedule(data.size(), 20, 1);
                int[][] b = s.nextEpoch();
                for (int i = 0; i < 20; i++) {
                    t.step(b[i]);
                }
                long t0 = System.nanoTime();
                for (int i = 20; i < 80; i++) {
                    t.step(b[i]);
                }
                System.out.printf("%.1f ms per step; %s%n", (System.nanoTime() - t0) / 60e6,
                        t.timings().millisecondsPerStep());
            }
        } finally {
            sc.stop();
        }
    }
}
