package org.eqprop.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.eqprop.data.LabeledImages;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's own Spark route: SparkDl4jMultiLayer + ParameterAveragingTrainingMaster on an mnist-fc1-sized network
 * (784-500-10) and 2,000 MNIST-shaped examples, 2 local workers. The workers' plain MultiLayerNetworks train the
 * EqProp block by its own backpropGradient (held force).
 */
class ParameterAveragingTest {

    @Test
    void parameterAveragingOfAnFc1NetworkLowersTheLoss() {
        JavaSparkContext sc = SparkTestSupport.context("local[2]");
        try {
            LabeledImages data = SparkTestSupport.mnistLike(2000);
            MultiLayerNetwork net = new MultiLayerNetwork(SparkTestSupport.fc1(500, 4, "held"));
            net.init();
            DataSet all = data.slice(null, 0, data.size(), DataType.FLOAT);
            double before = net.score(all);
            JavaRDD<DataSet> batches = ExamplePartitions.minibatches(ExamplePartitions.fromLocal(sc, data, 2), 20);
            SparkDl4jMultiLayer spark = ParameterAveragingEqProp.create(sc, net, 20, 5);
            long t0 = System.nanoTime();
            MultiLayerNetwork trained = spark.fit(batches);
            System.out.printf("fit: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            double after = trained.score(all);
            double error = 1 - trained.evaluate(new org.deeplearning4j.datasets.iterator.ExistingDataSetIterator(
                    all.batchBy(500))).accuracy();
            System.out.printf("parameter averaging, 2 workers, 2,000 examples: loss %.3g -> %.3g, train error %.2f%%%n",
                    before, after, 100 * error);
            assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
        } finally {
            sc.stop();
        }
    }
}
