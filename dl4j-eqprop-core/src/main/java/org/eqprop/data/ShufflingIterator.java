package org.eqprop.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** A DL4J {@link DataSetIterator} over {@link LabeledImages}, reshuffled (seeded) at every reset when asked to. */
public final class ShufflingIterator implements DataSetIterator {

    private final LabeledImages data;
    private final int batch;
    private final boolean shuffle;
    private final Random random;
    private final DataType dataType;
    private final int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public ShufflingIterator(LabeledImages data, int batch, boolean shuffle, long seed, DataType dataType) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        this.data = data;
        this.batch = batch;
        this.shuffle = shuffle;
        this.random = new Random(seed);
        this.dataType = dataType;
        this.order = IntStream.range(0, data.size()).toArray();
        reset();
    }

    @Override
    public DataSet next(int num) {
        int to = Math.min(cursor + num, data.size());
        DataSet ds = data.slice(order, cursor, to, dataType);
        cursor = to;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batch);
    }

    @Override
    public boolean hasNext() {
        return cursor < data.size();
    }

    /**
     * Moves past the next {@code examples} examples without reading them: how a resumed run gets back to where its
     * checkpoint was taken within an epoch (the order is replayed by as many {@link #reset()} calls as the run made).
     */
    public void skip(long examples) {
        if (examples < 0 || cursor + examples > data.size()) {
            throw new IllegalArgumentException("cannot skip " + examples + " examples at position " + cursor + " of "
                    + data.size());
        }
        cursor += (int) examples;
    }

    /** The examples handed out since the last reset. */
    public int position() {
        return cursor;
    }

    @Override
    public void reset() {
        cursor = 0;
        if (shuffle) {
            shuffle(order, random);
        }
    }

    /**
     * The in-place Fisher–Yates shuffle this iterator applies at construction and at every reset; a distributed
     * trainer replaying it with the same seed visits the same batches.
     */
    public static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    @Override
    public int inputColumns() {
        return data.features();
    }

    @Override
    public int totalOutcomes() {
        return data.classes();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    /** Batches per pass. */
    public int batchesPerEpoch() {
        return (data.size() + batch - 1) / batch;
    }
}
