package org.eqprop.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a small, learnable MNIST look-alike in the IDX format (28×28 grey images, 10 classes: class y lights up
 * rows 2y+3 .. 2y+5, plus noise), so that the data pipeline and the command line can be exercised without MNIST.
 */
public final class SyntheticImages {

    private SyntheticImages() {
    }

    /** Writes train-* and t10k-* image and label files into dir (images gzip-compressed, labels plain). */
    public static void writeMnistLike(Path dir, int train, int test) throws IOException {
        writeSplit(dir, "train", train, 1);
        writeSplit(dir, "t10k", test, 2);
    }

    private static void writeSplit(Path dir, String prefix, int n, long seed) throws IOException {
        Random r = new Random(seed);
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        DataOutputStream io = new DataOutputStream(img);
        io.writeInt(0x00000803);
        io.writeInt(n);
        io.writeInt(28);
        io.writeInt(28);
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        DataOutputStream lo = new DataOutputStream(lab);
        lo.writeInt(0x00000801);
        lo.writeInt(n);
        for (int i = 0; i < n; i++) {
            int y = r.nextInt(10);
            lo.write(y);
            for (int p = 0; p < 784; p++) {
                int row = p / 28;
                boolean on = row >= y * 2 + 3 && row < y * 2 + 6;
                io.write(on ? 200 + r.nextInt(56) : r.nextInt(40));
            }
        }
        Files.createDirectories(dir);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve(prefix
                + "-images-idx3-ubyte.gz")))) {
            o.write(img.toByteArray());
        }
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), lab.toByteArray());
    }
}
