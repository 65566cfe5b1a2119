package org.eqprop.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataTest {

    @Test
    void readsPlainAndGzipIdxAlike(@TempDir Path dir) throws IOException {
        byte[] img = IdxTestFiles.images(7, 4, 3, 1);
        IdxTestFiles.write(dir.resolve("a"), img, false);
        IdxTestFiles.write(dir.resolve("b.gz"), img, true);
        IdxReader.IdxArray a = IdxReader.read(dir.resolve("a"));
        IdxReader.IdxArray b = IdxReader.read(dir.resolve("b.gz"));
        assertArrayEquals(new int[]{7, 4, 3}, a.dims());
        assertArrayEquals(a.data(), b.data());
        assertEquals(12, a.itemSize());
    }

    @Test
    void truncatedOrForeignFilesAreRejectedWithThePath(@TempDir Path dir) throws IOException {
        byte[] img = IdxTestFiles.images(5, 28, 28, 1);
        Path cut = dir.resolve("cut-idx3-ubyte");
        IdxTestFiles.write(cut, Arrays.copyOf(img, img.length - 100), false);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(cut));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(cut.toString()), e.getMessage());
        Path gzCut = dir.resolve("cut.gz");
        IdxTestFiles.write(gzCut, Arrays.copyOf(img, 10), true);
        assertThrows(IOException.class, () -> IdxReader.read(gzCut));
        Path foreign = dir.resolve("foreign");
        Files.writeString(foreign, "hello world, not idx");
        e = assertThrows(IOException.class, () -> IdxReader.read(foreign));
        assertTrue(e.getMessage().contains("not an unsigned-byte IDX file"));
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertThrows(IOException.class, () -> IdxReader.read(empty));
    }

    @Test
    void labeledImagesScaleAndOneHot(@TempDir Path dir) throws IOException {
        IdxTestFiles.write(dir.resolve("i"), IdxTestFiles.images(10, 28, 28, 3), false);
        IdxTestFiles.write(dir.resolve("l"), IdxTestFiles.labels(10, 10, 3), false);
        LabeledImages d = LabeledImages.fromIdx(dir.resolve("i"), dir.resolve("l"), 10, 6);
        assertEquals(6, d.size());
        DataSet ds = d.slice(null, 0, 6, DataType.FLOAT);
        assertEquals(784, ds.getFeatures().size(1));
        assertTrue(ds.getFeatures().maxNumber().doubleValue() <= 1.0);
        assertEquals(6.0, ds.getLabels().sumNumber().doubleValue(), 0);
        ShufflingIterator it = new ShufflingIterator(d, 4, true, 1, DataType.FLOAT);
        assertEquals(4, it.next().numExamples());
        assertEquals(2, it.next().numExamples());
        assertTrue(!it.hasNext());
        // label count mismatch
        IdxTestFiles.write(dir.resolve("l3"), IdxTestFiles.labels(3, 10, 3), false);
        assertThrows(IOException.class, () -> LabeledImages.fromIdx(dir.resolve("i"), dir.resolve("l3"), 10, 0));
    }

    @Test
    void locatorSearchesTheGivenFolderOnlyElseHomeAndNamesEveryPlace(@TempDir Path dir) throws IOException {
        Path home = dir.resolve("home");
        Path option = dir.resolve("opt");
        Path env = dir.resolve("env");
        SyntheticImages.writeMnistLike(env.resolve("mnist"), 20, 10);
        assertEquals(env.resolve("mnist"), new DataLocator(null, env.toString(), home, false).mnist()[0].getParent());
        // a given --data-dir binds: no fallback to the variable's data
        IOException bound = assertThrows(IOException.class,
                () -> new DataLocator(option, env.toString(), home, false).mnist());
        assertTrue(bound.getMessage().contains("--data-dir " + option) && bound.getMessage().contains("binding"),
                bound.getMessage());
        SyntheticImages.writeMnistLike(option, 20, 10);
        assertEquals(option, new DataLocator(option, env.toString(), home, false).mnist()[0].getParent());
        IOException e = assertThrows(IOException.class, () -> new DataLocator(null, null, home, false).mnist());
        assertTrue(e.getMessage().contains(".deeplearning4j") && e.getMessage().contains("EQPROP_DATA_DIR")
                && e.getMessage().contains("--data-dir"), e.getMessage());
        SyntheticImages.writeMnistLike(home.resolve(".deeplearning4j/data/MNIST"), 20, 10);
        DataLocator fromHome = new DataLocator(null, null, home, false);
        assertTrue(fromHome.mnist()[0].startsWith(home));
        assertEquals("~/.deeplearning4j", fromHome.source());
        assertThrows(IOException.class, () -> new DataLocator(dir.resolve("nowhere"), null, home, false).mnist(),
                "the home's data does not stand in for a wrong --data-dir either");
    }

    @Test
    void tarReaderExtractsAndChecksums() throws IOException {
        // a tiny tar.gz built by hand: one file "package/data/x" with content "abc"
        byte[] header = new byte[512];
        byte[] name = "package/data/x".getBytes();
        System.arraycopy(name, 0, header, 0, name.length);
        byte[] size = String.format("%011o", 3).getBytes();
        System.arraycopy(size, 0, header, 124, size.length);
        header[156] = '0';
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        tar.write(header);
        byte[] body = new byte[512];
        body[0] = 'a';
        body[1] = 'b';
        body[2] = 'c';
        tar.write(body);
        tar.write(new byte[1024]);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(gz)) {
            g.write(tar.toByteArray());
        }
        var files = DataLocator.untarGz(gz.toByteArray(), "package/data/");
        assertArrayEquals("abc".getBytes(), files.get("x"));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                DataLocator.sha256("abc".getBytes()));
    }
}
