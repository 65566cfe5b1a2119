package org.eqprop.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.data.LabeledImages;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The synchronous Spark trainer against the single-machine EqPropNetwork, in local mode with 2 workers. */
class SynchronousEqPropTrainerTest {

    private static JavaSparkContext sc;
    private static LabeledImages data;
    private static JavaRDD<ExampleBlock> blocks;

    @BeforeAll
    static void start() {
        sc = SparkTestSupport.context("local[2]");
        data = SparkTestSupport.mnistLike(200);
        blocks = ExamplePartitions.fromLocal(sc, data, 2);
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void threeSynchronousStepsEqualTheSingleMachineSteps() {
        EqPropNetwork single = new EqPropNetwork(SparkTestSupport.fc1(500, 7, "recomputed"));
        single.init();
        EqPropNetwork driver = new EqPropNetwork(SparkTestSupport.fc1(500, 7, "recomputed"));
        driver.init();
        INDArray initial = single.params().dup();
        assertEquals(0, SparkTestSupport.maxRelativeDifference(driver, single));
        BatchSchedule schedule = new BatchSchedule(data.size(), 20, 11);
        int[][] batches = schedule.nextEpoch();
        try (SynchronousEqPropTrainer trainer = new SynchronousEqPropTrainer(sc, driver, blocks)) {
            for (int s = 0; s < 3; s++) {
                single.fit(data.slice(batches[s], 0, 20, org.nd4j.linalg.api.buffer.DataType.FLOAT));
                trainer.step(batches[s]);
            }
        }
        double params = SparkTestSupport.maxRelativeDifference(driver, single);
        double updates = SparkTestSupport.relativeDifference(driver.params().sub(initial),
                single.params().sub(initial));
        System.out.printf("3 synchronous steps vs single machine: max relative difference %.3g (parameters), %.3g "
                + "(parameter changes)%n", params, updates);
        assertTrue(params < 1e-5, "parameters differ by " + params);
        assertTrue(single.params().sub(initial).norm2Number().doubleValue() > 0, "the steps changed nothing");
        assertEquals(3, driver.getIterationCount());
    }

    @Test
    void resumingFromTheEpochCheckpointContinuesTheSameRun(@TempDir Path dir) throws Exception {
        LabeledImages small = SparkTestSupport.mnistLike(80);
        JavaRDD<ExampleBlock> smallBlocks = ExamplePartitions.fromLocal(sc, small, 2);
        EqPropNetwork straight = new EqPropNetwork(SparkTestSupport.fc1(40, 3, "recomputed"));
        straight.init();
        Path full = dir.resolve("full/model.zip");
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, straight, smallBlocks)) {
            assertEquals(2, t.fit(new BatchSchedule(small.size(), 20, 5), 2, full, null).size());
        }
        assertTrue(Files.isRegularFile(full));

        EqPropNetwork first = new EqPropNetwork(SparkTestSupport.fc1(40, 3, "recomputed"));
        first.init();
        Path ckpt = dir.resolve("resumed/model.zip");
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, first, smallBlocks)) {
            t.fit(new BatchSchedule(small.size(), 20, 5), 1, ckpt, null);
        }
        MultiLayerNetwork resumed = SynchronousEqPropTrainer.resume(ckpt);
        assertEquals(1, resumed.getEpochCount());
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, resumed, smallBlocks)) {
            assertEquals(1, t.fit(new BatchSchedule(small.size(), 20, 5), 2, ckpt, null).size());
        }
        assertEquals(2, resumed.getEpochCount());
        assertEquals(8, resumed.getIterationCount());
        double d = SparkTestSupport.maxRelativeDifference(resumed, straight);
        assertTrue(d < 1e-5, "resumed run differs from the straight run by " + d);
        try (var files = Files.list(ckpt.getParent())) {
            assertEquals(1, files.count(), "temporary checkpoint files left behind");
        }
    }

    @Test
    void examplesFromAnRddOfDataSetsAreNumberedInPartitionOrder() {
        JavaRDD<DataSet> dataSets = ExamplePartitions.minibatches(blocks, 7);
        JavaRDD<ExampleBlock> renumbered = ExamplePartitions.fromDataSets(dataSets.repartition(3));
        java.util.List<ExampleBlock> all = renumbered.collect();
        assertEquals(data.size(), all.stream().mapToInt(ExampleBlock::size).sum());
        int next = 0;
        for (ExampleBlock b : all) {
            DataSet ds = b.toDataSet(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            assertEquals(784, ds.getFeatures().size(1));
            int[] pos = b.positionsOf(java.util.stream.IntStream.range(next, next + b.size()).toArray());
            assertEquals(b.size(), pos.length, "indices not consecutive from " + next);
            next += b.size();
        }
        // the synchronous trainer accepts it as training data
        EqPropNetwork net = new EqPropNetwork(SparkTestSupport.fc1(20, 1, "recomputed"));
        net.init();
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, net, renumbered)) {
            assertEquals(20, t.step(java.util.stream.IntStream.range(90, 110).toArray()).examples());
        }
    }

    /** Records how many batches this copy of the preprocessor has seen (local mode: the tasks run in this JVM). */
    static final java.util.Queue<Integer> SEEN = new java.util.concurrent.ConcurrentLinkedQueue<>();

    static final class CountingPreProcessor implements org.nd4j.linalg.dataset.api.DataSetPreProcessor {
        private int calls;

        @Override
        public void preProcess(org.nd4j.linalg.dataset.api.DataSet ds) {
            SEEN.add(++calls);
        }
    }

    @Test
    void eachPartitionKeepsItsPreprocessorAcrossSteps() {
        EqPropNetwork net = new EqPropNetwork(SparkTestSupport.fc1(20, 1, "recomputed"));
        net.init();
        SEEN.clear();
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, net,
                ExamplePartitions.fromLocal(sc, data, 1)).preProcessor(new CountingPreProcessor())) {
            for (int s = 0; s < 3; s++) {
                t.step(new int[]{s, 100 + s});
            }
        }
        // a random augmentation's state advances from step to step (a fresh copy per task would see 1, 1, 1)
        assertEquals(Arrays.asList(1, 2, 3), new java.util.ArrayList<>(SEEN));
    }

    @Test
    void rejectsBatchesWithUnknownExamples() {
        EqPropNetwork net = new EqPropNetwork(SparkTestSupport.fc1(20, 1, "recomputed"));
        net.init();
        try (SynchronousEqPropTrainer t = new SynchronousEqPropTrainer(sc, net, blocks)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.step(new int[]{0, 1, data.size() + 5}));
            assertTrue(e.getMessage().contains("3 examples"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchSchedule(0, 20, 1));
        assertThrows(IllegalArgumentException.class, () -> ExamplePartitions.fromLocal(sc, data, 0));
        DataSet ds = new ExampleBlock(new int[]{4, 9}, new float[4], new float[2], 2, 1).toDataSet(
                org.nd4j.linalg.api.buffer.DataType.FLOAT);
        assertEquals(Arrays.asList(2L, 2L), Arrays.asList(ds.getFeatures().size(0), ds.getFeatures().size(1)));
        assertThrows(IllegalArgumentException.class, () -> new ExampleBlock(new int[]{4, 4}, new float[4],
                new float[2], 2, 1));
    }
}
