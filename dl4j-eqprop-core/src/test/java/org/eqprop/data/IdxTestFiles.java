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
}
