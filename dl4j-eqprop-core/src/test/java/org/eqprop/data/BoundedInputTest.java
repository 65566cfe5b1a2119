package org.eqprop.data;

import org.eqprop.bptt.Trajectory;
import org.eqprop.io.Npy;
import org.eqprop.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory stays bounded whatever the input says: archives, data files, BPTT trajectories; given folders bind. */
class BoundedInputTest {

    /** W1, b1 and a 64 MB "junk" array of zeros that deflates to a few tens of kB. */
    private static Path bomb(Path dir) throws IOException {
        Path f = dir.resolve("p.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            for (Map.Entry<String, INDArray> e : Map.of("W1", Nd4j.rand(DataType.FLOAT, 3, 4), "b1",
                    Nd4j.rand(DataType.FLOAT, 3)).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Npy.write(e.getValue()));
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry("junk.npy"));
            zip.write(Npy.write(Nd4j.zeros(DataType.BYTE, 64L << 20)));
            zip.closeEntry();
        }
        return f;
    }

    @Test
    void archivesAreInflatedOnlyAsFarAsNeededAndDeclared(@TempDir Path dir) throws IOException {
        Path f = bomb(dir);
        assertTrue(Files.size(f) < 1 << 20, "the archive is small: " + Files.size(f));
        IOException all = assertThrows(IOException.class, () -> Npz.read(f, n -> true, 8L << 20));
        assertTrue(all.getMessage().contains("junk.npy") && all.getMessage().contains("refusing"), all.getMessage());
        Map<String, INDArray> params = Npz.read(f, Npz.PARAMETERS, 8L << 20);
        assertEquals(java.util.Set.of("W1", "b1"), params.keySet(), "unused entries are not even inflated");

        // a forged central directory: W1 declares more bytes than it inflates to
        byte[] zip = Files.readAllBytes(f);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 < zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) {
                int nameLen = b.getShort(i + 28);
                String name = new String(zip, i + 46, nameLen, java.nio.charset.StandardCharsets.UTF_8);
                if (name.equals("W1.npy")) {
                    b.putInt(i + 24, b.getInt(i + 24) + 1000);
                }
            }
        }
        Path forged = dir.resolve("forged.npz");
        Files.write(forged, zip);
        IOException e = assertThrows(IOException.class, () -> Npz.read(forged, Npz.PARAMETERS));
        assertTrue(e.getMessage().contains("does not inflate to its declared"), e.getMessage());
    }

    @Test
    void dataFilesAreSizedBeforeTheyFillTheMemory(@TempDir Path dir) throws IOException {
        // an IDX header claiming 1.5e9 pixels over a few bytes: refused as truncated, nothing of that size allocated
        ByteArrayOutputStream idx = new ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(idx);
        out.writeInt(0x00000803);
        out.writeInt(1_500_000);
        out.writeInt(1000);
        out.writeInt(1);
        out.write(new byte[100]);
        Path liar = dir.resolve("liar-idx3-ubyte");
        Files.write(liar, idx.toByteArray());
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(liar));
        assertTrue(e.getMessage().contains("truncated: expected 1500000000 values, found 100"), e.getMessage());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 500L << 20, "no 1.5 GB array: " + (after - before));

        // a gzip file damaged in the middle: its CRC is checked even though the header's count is read first
        Path gz = dir.resolve("train-labels-idx1-ubyte.gz");
        IdxTestFiles.write(gz, IdxTestFiles.labels(5000, 10, 3), true);
        byte[] g = Files.readAllBytes(gz);
        for (int i = g.length / 2; i < g.length / 2 + 8; i++) {
            g[i] ^= (byte) 0x5a;
        }
        Files.write(gz, g);
        IOException z = assertThrows(IOException.class, () -> IdxReader.read(gz));
        assertTrue(z.getMessage().contains(gz.toString()) && z.getMessage().contains("corrupt gzip"), z.getMessage());
        Path trailing = dir.resolve("long-idx1-ubyte");
        byte[] labels = IdxTestFiles.labels(10, 10, 4);
        Files.write(trailing, java.util.Arrays.copyOf(labels, labels.length + 3));
        IOException t = assertThrows(IOException.class, () -> IdxReader.read(trailing));
        assertTrue(t.getMessage().contains("more bytes than its header declares"), t.getMessage());

        // a CIFAR-10 batch one record longer than an official one
        Path big = dir.resolve("data_batch_1.bin");
        byte[] records = new byte[(CifarReader.MAX_RECORDS_PER_FILE + 1) * CifarReader.RECORD_BYTES];
        Files.write(big, records);
        IOException c = assertThrows(IOException.class, () -> CifarReader.read(big, 0));
        assertTrue(c.getMessage().contains("more than 10000 records"), c.getMessage());
    }

    @Test
    void bpttTrajectoriesAreEstimatedBeforeTheyAreKept() {
        assertEquals(2L * 30 * 20 * 510 * 4, Trajectory.estimateBytes(30, 20, 510, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Trajectory.requireFits(1_000_000, 128, 510, 4, "block"));
        assertTrue(e.getMessage().contains("BPTT would keep 1000000 steps") && e.getMessage().contains("MB"),
                e.getMessage());
        Trajectory.requireFits(30, 20, 510, 4, "block");
    }

    @Test
    void aGivenDataFolderIsBinding(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good");
        Files.createDirectories(good);
        IdxTestFiles.write(good.resolve("train-images-idx3-ubyte"), IdxTestFiles.images(5, 28, 28, 1), false);
        IdxTestFiles.write(good.resolve("train-labels-idx1-ubyte"), IdxTestFiles.labels(5, 10, 1), false);
        IdxTestFiles.write(good.resolve("t10k-images-idx3-ubyte"), IdxTestFiles.images(5, 28, 28, 2), false);
        IdxTestFiles.write(good.resolve("t10k-labels-idx1-ubyte"), IdxTestFiles.labels(5, 10, 2), false);
        Path typo = dir.resolve("goood");
        // the variable points at good data and the home holds some too: a wrong --data-dir still fails
        DataLocator bound = new DataLocator(typo, good.toString(), dir, true);
        IOException e = assertThrows(IOException.class, bound::mnist);
        assertTrue(e.getMessage().contains("--data-dir " + typo) && e.getMessage().contains("binding"),
                e.getMessage());
        DataLocator env = new DataLocator(null, good.toString(), dir, true);
        assertEquals(good, env.mnist()[0].getParent());
        assertEquals("EQPROP_DATA_DIR", env.source());
        DataLocator cli = new DataLocator(good, null, dir, false);
        cli.mnist();
        assertEquals("--data-dir", cli.source());
        assertEquals(64, DataLocator.sha256(good.resolve("train-labels-idx1-ubyte")).length());
    }
}
