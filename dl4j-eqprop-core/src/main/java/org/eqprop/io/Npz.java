package org.eqprop.io;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.function.Predicate;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** NumPy's {@code .npz} archives (a zip of {@code name.npy} entries), as {@code numpy.savez} writes them. */
public final class Npz {

    private Npz() {
    }

    /** The parameter arrays of {@link NumpyParams}: {@code Wk}, {@code bk}, {@code Bk}. */
    public static final Predicate<String> PARAMETERS = name -> name.matches("[WbB][0-9]+");

    /** Reads every array, by name (without ".npy"), in archive order. */
    public static Map<String, INDArray> read(Path path) throws IOException {
        return read(path, name -> true);
    }

    /**
     * Reads the arrays whose names (without ".npy") {@code wanted} accepts; the others are not inflated. Memory stays
     * bounded whatever the archive says: each entry's declared size is checked before it is inflated, the inflated
     * bytes may not exceed it, and all the arrays together may not exceed {@link #maxInflatedBytes()}.
     */
    public static Map<String, INDArray> read(Path path, Predicate<String> wanted) throws IOException {
        return read(path, wanted, maxInflatedBytes());
    }

    /** The same with an explicit limit on the inflated bytes of all the arrays read. */
    public static Map<String, INDArray> read(Path path, Predicate<String> wanted, long limit) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("no such .npz file: " + path);
        }
        long total = 0;
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            for (java.util.Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                if (!wanted.test(name)) {
                    continue;
                }
                long declared = e.getSize();
                if (declared < 0 || declared > limit - total) {
                    throw new IOException(path + ": entry " + e.getName() + " declares " + (declared < 0 ? "no size"
                            : declared + " bytes") + " uncompressed, more than the " + (limit - total)
                            + " bytes left of the limit (" + limit + " bytes); refusing to inflate it");
                }
                byte[] bytes = new byte[(int) declared];
                try (InputStream in = zip.getInputStream(e)) {
                    int off = 0;
                    for (int n; off < bytes.length && (n = in.read(bytes, off, bytes.length - off)) > 0; ) {
                        off += n;
                    }
                    if (off < bytes.length || in.read() >= 0) {
                        throw new IOException(path + ": entry " + e.getName() + " does not inflate to its declared "
                                + declared + " bytes (a damaged or forged archive)");
                    }
                }
                total += declared;
                out.put(name, Npy.read(bytes, path + ":" + e.getName()));
            }
        } catch (ZipException e) {
            throw new IOException(path + " is not a valid .npz archive: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(path + " is not a valid .npz archive (no " + (wanted == PARAMETERS
                    ? "parameter arrays W1, b1, ..." : "arrays") + ")");
        }
        return out;
    }

    /** The most bytes one read may inflate: half the JVM's maximum heap, and below 2 GB per array. */
    public static long maxInflatedBytes() {
        return Math.min(Runtime.getRuntime().maxMemory() / 2, (long) Integer.MAX_VALUE - 8);
    }

    /** Writes the arrays atomically as an uncompressed .npz. */
    public static void write(Path path, Map<String, INDArray> arrays) throws IOException {
        AtomicFiles.write(path, os -> {
            ZipOutputStream zip = new ZipOutputStream(os);
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Npy.write(e.getValue()));
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
