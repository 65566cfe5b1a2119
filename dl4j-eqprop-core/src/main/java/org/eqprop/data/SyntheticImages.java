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
 * Writes small, learnable look-alikes of MNIST (IDX format, 28×28 grey images, 10 classes: class y lights up rows
 * 2y+3 .. 2y+5, plus noise) and CIFAR-10 (binary batches, 3×32×32 colour images, 10 classes: class y lights up rows
 * 3y+1 .. 3y+3, brightest in channel y mod 3, plus noise), so that the data pipeline and the command line can be
 * exercised without the real data.
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

    /**
     * Writes CIFAR-10-like binary batches into dir: {@code train} examples split over {@code data_batch_1.bin} ..
     * {@code data_batch_5.bin} (batches 2 and 4 gzip-compressed, as {@code .bin.gz}) and {@code test} examples in
     * {@code test_batch.bin.gz}, readable by {@link CifarReader} and found by {@link DataLocator#cifar10()}.
     */
    public static void writeCifarLike(Path dir, int train, int test) throws IOException {
        if (train < 5 || test < 1) {
            throw new IllegalArgumentException("need at least 5 training examples (one per batch file) and 1 test "
                    + "example, got " + train + " and " + test);
        }
        Files.createDirectories(dir);
        Random r = new Random(3);
        for (int b = 1; b <= 5; b++) {
            int n = train / 5 + (b <= train % 5 ? 1 : 0);
            writeCifarBatch(dir.resolve("data_batch_" + b + ".bin" + (b % 2 == 0 ? ".gz" : "")), n, r);
        }
        writeCifarBatch(dir.resolve("test_batch.bin.gz"), test, new Random(4));
    }

    private static void writeCifarBatch(Path file, int n, Random r) throws IOException {
        byte[] out = new byte[n * CifarReader.RECORD_BYTES];
        int plane = CifarReader.HEIGHT * CifarReader.WIDTH;
        for (int i = 0; i < n; i++) {
            int off = i * CifarReader.RECORD_BYTES;
            int y = r.nextInt(CifarReader.CLASSES);
            out[off] = (byte) y;
            for (int c = 0; c < CifarReader.CHANNELS; c++) {
                for (int p = 0; p < plane; p++) {
                    int row = p / CifarReader.WIDTH;
                    boolean on = row >= 3 * y + 1 && row < 3 * y + 4;
                    int v = !on ? r.nextInt(50) : c == y % 3 ? 200 + r.nextInt(56) : 110 + r.nextInt(40);
                    out[off + 1 + c * plane + p] = (byte) v;
                }
            }
        }
        try (OutputStream o = file.toString().endsWith(".gz") ? new GZIPOutputStream(Files.newOutputStream(file))
                : Files.newOutputStream(file)) {
            o.write(out);
        }
    }
}
