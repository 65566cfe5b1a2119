package org.eqprop.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small MNIST-shaped IDX files for tests (so no test needs the real data). */
public final class IdxTestFiles {

    private IdxTestFiles() {
    }

    public static byte[] images(int n, int rows, int cols, long seed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(n);
        out.writeInt(rows);
        out.writeInt(cols);
        Random r = new Random(seed);
        for (int i = 0; i < n * rows * cols; i++) {
            out.write(r.nextInt(256));
        }
        return bytes.toByteArray();
    }

    public static byte[] labels(int n, int classes, long seed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000801);
        out.writeInt(n);
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            out.write(r.nextInt(classes));
        }
        return bytes.toByteArray();
    }

    public static void write(Path file, byte[] content, boolean gzip) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            o.write(content);
        }
    }

    /**
     * A learnable MNIST-like set in {@code dir}: each class lights up its own band of pixels, plus noise; train and
     * test files, gzip-compressed.
     */
    public static void writeLearnableMnist(Path dir, int train, int test) throws IOException {
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
                boolean on = (p / 28) >= y * 2 + 3 && (p / 28) < y * 2 + 6;
                io.write(on ? 200 + r.nextInt(56) : r.nextInt(40));
            }
        }
        write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), img.toByteArray(), true);
        write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), lab.toByteArray(), true);
    }
}
