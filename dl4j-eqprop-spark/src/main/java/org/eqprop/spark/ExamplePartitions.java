package org.eqprop.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.eqprop.data.LabeledImages;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Training sets as Spark RDDs of {@link ExampleBlock}s. A set held by the driver is broadcast once and cut into
 * contiguous index ranges on the executors, so that tasks carry only their range (an RDD made by
 * {@code parallelize} of the examples themselves would ship its data with every task of every step).
 */
public final class ExamplePartitions {

    private ExamplePartitions() {
    }

    /** The driver's examples, one cached block per partition (example i has global index i). */
    public static JavaRDD<ExampleBlock> fromLocal(JavaSparkContext sc, LabeledImages data, int partitions) {
        if (partitions < 1 || partitions > data.size()) {
            throw new IllegalArgumentException("partitions must be in 1.." + data.size() + ", got " + partitions);
        }
        Broadcast<Images> images = sc.broadcast(new Images(data.pixels(), data.labels(), data.features(),
                data.classes()));
        List<int[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ranges.add(new int[]{(int) ((long) data.size() * p / partitions),
                    (int) ((long) data.size() * (p + 1) / partitions)});
        }
        JavaRDD<ExampleBlock> rdd = sc.parallelize(ranges, partitions).map(r -> images.value().block(r[0], r[1]));
        return rdd.persist(StorageLevel.MEMORY_ONLY());
    }

    /**
     * Examples already in an RDD (read by the executors from distributed storage, never collected on the driver): each
     * partition's DataSets become one block, and examples are numbered 0..n−1 in partition order (one counting job
     * first). The features are flattened to rows; labels must be [n, classes].
     */
    public static JavaRDD<ExampleBlock> fromDataSets(JavaRDD<DataSet> dataSets) {
        List<Long> counts = dataSets.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                n += it.next().numExamples();
            }
            return List.of(n).iterator();
        }).collect();
        long[] offsets = new long[counts.size() + 1];
        for (int p = 0; p < counts.size(); p++) {
            offsets[p + 1] = offsets[p] + counts.get(p);
        }
        if (offsets[counts.size()] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("more than " + Integer.MAX_VALUE + " examples: "
                    + offsets[counts.size()]);
        }
        return dataSets.mapPartitionsWithIndex((p, it) -> {
            List<DataSet> held = new ArrayList<>();
            it.forEachRemaining(held::add);
            if (held.isEmpty()) {
                return java.util.Collections.<ExampleBlock>emptyIterator();
            }
            DataSet all = DataSet.merge(held);
            int n = all.numExamples();
            int[] index = java.util.stream.IntStream.range(0, n).map(i -> (int) offsets[p] + i).toArray();
            org.nd4j.linalg.api.ndarray.INDArray x = all.getFeatures().reshape('c', n, all.getFeatures().length() / n);
            org.nd4j.linalg.api.ndarray.INDArray y = all.getLabels();
            return List.of(new ExampleBlock(index, org.eqprop.kernels.FusedKernels.floats(x),
                    org.eqprop.kernels.FusedKernels.floats(y), (int) x.size(1), (int) y.size(1))).iterator();
        }, true).persist(StorageLevel.MEMORY_ONLY());
    }

    /**
     * Minibatches of {@code batch} consecutive examples of each partition, for DL4J's Spark masters
     * ({@code SparkDl4jMultiLayer.fit(JavaRDD<DataSet>)}).
     */
    public static JavaRDD<DataSet> minibatches(JavaRDD<ExampleBlock> blocks, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        return blocks.flatMap(b -> {
            List<DataSet> out = new ArrayList<>();
            for (int from = 0; from < b.size(); from += batch) {
                int[] pos = java.util.stream.IntStream.range(from, Math.min(b.size(), from + batch)).toArray();
                out.add(ExampleBlock.stack(List.of(b), List.of(pos), DataType.FLOAT));
            }
            return out.iterator();
        });
    }

    /** Pixels and labels in a serializable form (the broadcast value). */
    private record Images(float[] pixels, int[] labels, int features, int classes) implements Serializable {

        ExampleBlock block(int from, int to) {
            int n = to - from;
            int[] index = new int[n];
            float[] y = new float[n * classes];
            for (int i = 0; i < n; i++) {
                index[i] = from + i;
                y[i * classes + labels[from + i]] = 1f;
            }
            float[] x = java.util.Arrays.copyOfRange(pixels, from * features, to * features);
            return new ExampleBlock(index, x, y, features, classes);
        }
    }
}
