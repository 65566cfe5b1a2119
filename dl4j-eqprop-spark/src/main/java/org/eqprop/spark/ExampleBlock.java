package org.eqprop.spark;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A block of training examples as one Spark record: each example's global index (its position in the training set,
 * which the driver's batch schedule refers to), its features and its one-hot label, row-major.
 */
public final class ExampleBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] index;
    private final float[] features;
    private final float[] labels;
    private final int featureCount;
    private final int labelCount;

    /**
     * @param index    global example indices, strictly increasing
     * @param features [n, featureCount] row-major
     * @param labels   [n, labelCount] row-major (one-hot for classification)
     */
    public ExampleBlock(int[] index, float[] features, float[] labels, int featureCount, int labelCount) {
        if (featureCount < 1 || labelCount < 1) {
            throw new IllegalArgumentException("feature and label counts must be >= 1, got " + featureCount + " and "
                    + labelCount);
        }
        if (features.length != index.length * featureCount || labels.length != index.length * labelCount) {
            throw new IllegalArgumentException(index.length + " examples need " + index.length * featureCount
                    + " feature and " + index.length * labelCount + " label values, got " + features.length + " and "
                    + labels.length);
        }
        for (int i = 1; i < index.length; i++) {
            if (index[i] <= index[i - 1]) {
                throw new IllegalArgumentException("example indices must increase, got " + index[i - 1] + " then "
                        + index[i]);
            }
        }
        this.index = index;
        this.features = features;
        this.labels = labels;
        this.featureCount = featureCount;
        this.labelCount = labelCount;
    }

    public int size() {
        return index.length;
    }

    public int featureCount() {
        return featureCount;
    }

    public int labelCount() {
        return labelCount;
    }

    /** Positions (in this block) of the examples whose global index is in {@code sortedBatch}. */
    int[] positionsOf(int[] sortedBatch) {
        int[] pos = new int[Math.min(index.length, sortedBatch.length)];
        int n = 0;
        for (int i = 0; i < index.length; i++) {
            if (Arrays.binarySearch(sortedBatch, index[i]) >= 0) {
                pos[n++] = i;
            }
        }
        return Arrays.copyOf(pos, n);
    }

    /** The examples at {@code positions} of each block, stacked into one DataSet (null if there are none). */
    static DataSet stack(java.util.List<ExampleBlock> blocks, java.util.List<int[]> positions, DataType dataType) {
        int n = positions.stream().mapToInt(p -> p.length).sum();
        if (n == 0) {
            return null;
        }
        int nf = blocks.get(0).featureCount;
        int nl = blocks.get(0).labelCount;
        float[] x = new float[n * nf];
        float[] y = new float[n * nl];
        int row = 0;
        for (int b = 0; b < blocks.size(); b++) {
            ExampleBlock block = blocks.get(b);
            if (block.featureCount != nf || block.labelCount != nl) {
                throw new IllegalArgumentException("blocks of one partition disagree on shapes: " + nf + "/" + nl
                        + " vs " + block.featureCount + "/" + block.labelCount);
            }
            for (int p : positions.get(b)) {
                System.arraycopy(block.features, p * nf, x, row * nf, nf);
                System.arraycopy(block.labels, p * nl, y, row * nl, nl);
                row++;
            }
        }
        return new DataSet(FusedKernels.array(x, n, nf).castTo(dataType), FusedKernels.array(y, n, nl)
                .castTo(dataType));
    }

    /** All examples of this block as one DataSet. */
    public DataSet toDataSet(DataType dataType) {
        int[] all = new int[index.length];
        Arrays.setAll(all, i -> i);
        return stack(java.util.List.of(this), java.util.List.of(all), dataType);
    }
}
