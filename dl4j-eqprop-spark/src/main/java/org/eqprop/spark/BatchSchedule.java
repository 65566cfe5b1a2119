package org.eqprop.spark;

import org.eqprop.data.ShufflingIterator;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The global minibatches of each epoch, drawn on the driver as the single-machine {@link ShufflingIterator} draws
 * them (the same seeded shuffle at construction and at every epoch), so that a synchronous Spark run visits the same
 * batches in the same order as a run on one machine.
 */
public final class BatchSchedule {

    private final int examples;
    private final int batchSize;
    private final Random random;
    private final int[] order;

    public BatchSchedule(int examples, int batchSize, long seed) {
        if (examples < 1 || batchSize < 1) {
            throw new IllegalArgumentException("need >= 1 example and batch size >= 1, got " + examples + " and "
                    + batchSize);
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.random = new Random(seed);
        this.order = IntStream.range(0, examples).toArray();
        ShufflingIterator.shuffle(order, random);
    }

    /** Reshuffles and returns the epoch's batches of global example indices (the last one may be smaller). */
    public int[][] nextEpoch() {
        ShufflingIterator.shuffle(order, random);
        int[][] batches = new int[batchesPerEpoch()][];
        for (int b = 0; b < batches.length; b++) {
            batches[b] = Arrays.copyOfRange(order, b * batchSize, Math.min(examples, (b + 1) * batchSize));
        }
        return batches;
    }

    /** Skips {@code epochs} epochs (when resuming from a checkpoint). */
    public void skipEpochs(int epochs) {
        for (int e = 0; e < epochs; e++) {
            ShufflingIterator.shuffle(order, random);
        }
    }

    public int batchesPerEpoch() {
        return (examples + batchSize - 1) / batchSize;
    }

    public int examples() {
        return examples;
    }

    public int batchSize() {
        return batchSize;
    }
}
