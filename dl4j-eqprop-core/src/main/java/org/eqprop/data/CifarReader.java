package org.eqprop.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader of the CIFAR-10 "binary version" ({@code data_batch_1.bin} .. {@code data_batch_5.bin},
 * {@code test_batch.bin}), plain or gzip-compressed. Each record is one label byte (0..9) followed by 3072 pixel
 * bytes: the 32×32 red plane, then green, then blue, each row-major. The pixels are kept in that channel-major
 * (CHW) order and scaled to [0, 1]. Truncated files and out-of-range labels are reported with the path.
 */
public final class CifarReader {

    public static final int CHANNELS = 3;
    public static final int HEIGHT = 32;
    public static final int WIDTH = 32;
    public static final int CLASSES = 10;
    /** Pixel bytes per image (3 × 32 × 32). */
    public static final int IMAGE_BYTES = CHANNELS * HEIGHT * WIDTH;
    /** Bytes per record: the label byte and the image. */
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    /** The records of one official batch file; a larger file is refused before it fills the memory. */
    public static final int MAX_RECORDS_PER_FILE = 10_000;
    /** The class names, by label (as in {@code batches.meta.txt}). */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private static final float[] SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            SCALE[i] = i / 255f;
        }
    }

    private CifarReader() {
    }

    /** Reads one batch file, keeping at most {@code limit} examples (≤ 0: all). */
    public static LabeledImages read(Path file, int limit) throws IOException {
        return read(List.of(file), limit);
    }

    /**
     * Reads batch files one after another (e.g. the five training batches), keeping at most {@code limit} examples
     * in total (≤ 0: all). Files after the limit is reached are not opened.
     */
    public static LabeledImages read(List<Path> files, int limit) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no CIFAR-10 batch files given");
        }
        List<byte[]> contents = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        long total = 0;
        for (Path file : files) {
            if (limit > 0 && total >= limit) {
                break;
            }
            byte[] bytes = readRecords(file);
            int records = bytes.length / RECORD_BYTES;
            int keep = limit > 0 ? (int) Math.min(records, limit - total) : records;
            contents.add(bytes);
            counts.add(keep);
            total += keep;
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
            throw new IOException("too many CIFAR-10 examples for one array (" + total + "); use a limit");
        }
        int n = (int) total;
        float[] px = new float[n * IMAGE_BYTES];
        int[] y = new int[n];
        int e = 0;
        for (int f = 0; f < contents.size(); f++) {
            byte[] bytes = contents.get(f);
            for (int r = 0; r < counts.get(f); r++, e++) {
                int off = r * RECORD_BYTES;
                y[e] = bytes[off];
                int dst = e * IMAGE_BYTES;
                for (int i = 1; i <= IMAGE_BYTES; i++) {
                    px[dst++] = SCALE[bytes[off + i] & 0xff];
                }
            }
        }
        return new LabeledImages(px, y, IMAGE_BYTES, CLASSES);
    }

    /** The whole (decompressed) file, checked: a non-empty whole number of records, every label in 0..9. */
    static byte[] readRecords(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CIFAR-10 file " + file + " does not exist or is not a regular file");
        }
        byte[] bytes;
        long max = (long) MAX_RECORDS_PER_FILE * RECORD_BYTES;
        try (InputStream in = IdxReader.open(file)) {
            // at most one record more than a batch may hold: memory stays bounded whatever the file is
            bytes = in.readNBytes((int) max + 1);
        } catch (IOException e) {
            throw new IOException("cannot read CIFAR-10 file " + file + " (corrupt or truncated gzip?): " + e, e);
        }
        if (bytes.length > max) {
            throw new IOException("CIFAR-10 file " + file + " holds more than " + MAX_RECORDS_PER_FILE + " records ("
                    + max + " bytes), the size of an official batch; refusing to read further");
        }
        if (bytes.length == 0) {
            throw new IOException("CIFAR-10 file " + file + " is empty");
        }
        if (bytes.length % RECORD_BYTES != 0) {
            throw new IOException("CIFAR-10 file " + file + " is truncated or not in the binary format: "
                    + bytes.length + " bytes is not a multiple of the " + RECORD_BYTES + "-byte record (" + bytes.length
                    / RECORD_BYTES + " whole records and " + bytes.length % RECORD_BYTES + " bytes left over)");
        }
        for (int r = 0, off = 0; off < bytes.length; r++, off += RECORD_BYTES) {
            int label = bytes[off] & 0xff;
            if (label >= CLASSES) {
                throw new IOException("CIFAR-10 file " + file + " is corrupt: record " + r + " (byte offset " + off
                        + ") has label " + label + ", expected 0.." + (CLASSES - 1));
            }
        }
        return bytes;
    }
}
