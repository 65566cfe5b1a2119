package org.eqprop.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {

    @Test
    void roundTripsEveryType(@TempDir Path dir) throws IOException {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("f", Nd4j.rand(DataType.FLOAT, 3, 4));
        m.put("d", Nd4j.rand(DataType.DOUBLE, 5));
        m.put("i", Nd4j.createFromArray(1, 2, 3, -4));
        m.put("l", Nd4j.createFromArray(7L, 8L).reshape(2, 1));
        Path p = dir.resolve("a.npz");
        Npz.write(p, m);
        Map<String, INDArray> back = Npz.read(p);
        assertEquals(m.keySet(), back.keySet());
        for (String k : m.keySet()) {
            assertEquals(m.get(k), back.get(k), k);
        }
    }

    @Test
    void writesTheHeaderNumpyExpects() {
        byte[] b = Npy.write(Nd4j.zeros(DataType.FLOAT, 2, 3));
        String header = new String(b, 10, b[8] & 0xff, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertEquals(0, (10 + header.length()) % 64);
        assertEquals(10 + header.length() + 24, b.length);
    }

    @Test
    void readsFortranOrderAndNumpyVersion2() throws IOException {
        // numpy.save(np.asfortranarray([[1., 2.], [3., 4.]])): column-major data 1, 3, 2, 4
        String dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }";
        int total = 12 + dict.length() + 1;
        String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(12 + header.length() + 32).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0});
        buf.putInt(header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        for (double v : new double[]{1, 3, 2, 4}) {
            buf.putDouble(v);
        }
        INDArray a = Npy.read(buf.array(), "test");
        assertArrayEquals(new double[]{1, 2, 3, 4}, a.data().asDouble());
        assertEquals(3.0, a.getDouble(1, 0));
    }

    @Test
    void corruptFilesAreRejected(@TempDir Path dir) throws IOException {
        assertThrows(IOException.class, () -> Npy.read("garbage".getBytes(), "x"));
        byte[] good = Npy.write(Nd4j.rand(DataType.FLOAT, 4, 4));
        IOException e = assertThrows(IOException.class,
                () -> Npy.read(java.util.Arrays.copyOf(good, good.length - 8), "cut"));
        assertTrue(e.getMessage().contains("truncated"));
        Path notZip = dir.resolve("n.npz");
        Files.writeString(notZip, "nope");
        assertThrows(IOException.class, () -> Npz.read(notZip));
        assertThrows(IOException.class, () -> Npz.read(dir.resolve("missing.npz")));
    }

    @Test
    void atomicWriteNeverLeavesAPartialFile(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("t.bin");
        AtomicFiles.write(target, new byte[]{1, 2, 3});
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[]{9, 9});
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
