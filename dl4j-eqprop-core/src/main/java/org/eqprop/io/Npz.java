package org.eqprop.io;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** NumPy's {@code .npz} archives (a zip of {@code name.npy} entries), as {@code numpy.savez} writes them. */
public final class Npz {

    private Npz() {
    }

    /** Reads every array, by name (without ".npy"), in archive order. */
    public static Map<String, INDArray> read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("no such .npz file: " + path);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(path); ZipInputStream zip = new ZipInputStream(raw)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                out.put(name, Npy.read(zip.readAllBytes(), path + ":" + e.getName()));
            }
        } catch (ZipException e) {
            throw new IOException(path + " is not a valid .npz archive: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(path + " is not a valid .npz archive (no arrays)");
        }
        return out;
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
