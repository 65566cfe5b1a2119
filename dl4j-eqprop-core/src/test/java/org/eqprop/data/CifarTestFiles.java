package org.eqprop.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds small CIFAR-10 binary batches and ustar archives for tests (so no test needs the real data). */
final class CifarTestFiles {

    private CifarTestFiles() {
    }

    /** The label of record i. */
    static int label(int i) {
        return (3 * i + 1) % 10;
    }

    /** The byte of record i at channel c, row y, column x. */
    static int pixel(int i, int c, int y, int x) {
        return (i * 37 + c * 80 + y * 5 + x * 3) & 0xff;
    }

    /** n records of known content ({@link #label}, {@link #pixel}), starting at record {@code first}. */
    static byte[] records(int first, int n) {
        byte[] out = new byte[n * CifarReader.RECORD_BYTES];
        for (int r = 0; r < n; r++) {
            int i = first + r;
            int off = r * CifarReader.RECORD_BYTES;
            out[off] = (byte) label(i);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out[off + 1 + c * 1024 + y * 32 + x] = (byte) pixel(i, c, y, x);
                    }
                }
            }
        }
        return out;
    }

    static void write(Path file, byte[] content, boolean gzip) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            o.write(content);
        }
    }

    static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bytes)) {
            g.write(content);
        }
        return bytes.toByteArray();
    }

    /** A ustar archive being built: entries with correct header checksums, then the two zero end blocks. */
    static final class Tar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Tar file(String name, byte[] content) {
            return entry(name, content, '0');
        }

        Tar directory(String name) {
            return entry(name, new byte[0], '5');
        }

        Tar entry(String name, byte[] content, char type) {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", content.length));
            put(h, 136, String.format("%011o", 1_300_000_000L));
            h[156] = (byte) type;
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            h[155] = ' ';
            out.writeBytes(h);
            out.writeBytes(content);
            out.writeBytes(new byte[(512 - content.length % 512) % 512]);
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(out.toByteArray());
            all.writeBytes(new byte[1024]);
            return all.toByteArray();
        }

        private static void put(byte[] h, int off, String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, off, b.length);
        }
    }
}
