package org.eqprop.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.eqprop.kernels.FusedKernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An image classification set in memory: pixels scaled to [0, 1] (row-major, one example per row) and integer
 * labels.
 */
public record LabeledImages(float[] pixels, int[] labels, int features, int classes) {

    public int size() {
        return labels.length;
    }

    /** Reads an IDX images/labels pair (MNIST, Fashion-MNIST), keeping at most {@code limit} examples (≤ 0: all). */
    public static LabeledImages fromIdx(Path images, Path labels, int classes, int limit) throws IOException {
        IdxReader.IdxArray img = IdxReader.read(images);
        IdxReader.IdxArray lab = IdxReader.read(labels);
        if (img.count() != lab.count()) {
            throw new IOException("image/label count mismatch: " + images + " has " + img.count() + ", " + labels
                    + " has " + lab.count());
        }
        int n = limit > 0 ? Math.min(limit, img.count()) : img.count();
        int f = img.itemSize();
        float[] px = new float[n * f];
        for (int i = 0; i < px.length; i++) {
            px[i] = (img.data()[i] & 0xff) / 255f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= classes) {
                throw new IOException(labels + ": label " + y[i] + " out of range for " + classes + " classes");
            }
        }
        return new LabeledImages(px, y, f, classes);
    }

    /**
     * Reads CIFAR-10 binary batch files (plain or .gz) in order, keeping at most {@code limit} examples (≤ 0: all):
     * 3072 features in the files' channel-major order (R, G, B planes of 32×32), 10 classes. See {@link CifarReader}.
     */
    public static LabeledImages fromCifar(List<Path> files, int limit) throws IOException {
        return CifarReader.read(files, limit);
    }

    /** Examples [from, to) as a DL4J DataSet with one-hot labels. */
    public DataSet slice(int[] order, int from, int to, DataType dt) {
        int n = to - from;
        float[] x = new float[n * features];
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            int e = order == null ? from + i : order[from + i];
            System.arraycopy(pixels, e * features, x, i * features, features);
            y[i * classes + labels[e]] = 1f;
        }
        // bulk copies into native memory (Nd4j.create(float[]) copies element by element)
        INDArray xs = FusedKernels.array(x, n, features).castTo(dt);
        INDArray ys = FusedKernels.array(y, n, classes).castTo(dt);
        return new DataSet(xs, ys);
    }
}
