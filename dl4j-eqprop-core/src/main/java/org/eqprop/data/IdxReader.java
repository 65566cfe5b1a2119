package org.eqprop.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format of MNIST and Fashion-MNIST (unsigned bytes, magic 0x0000080N with N dimensions,
 * big-endian sizes), gzip-compressed or plain. Bad magic numbers and truncated files are reported with the path.
 */
public final class IdxReader {

    private IdxReader() {
    }

    /** An IDX array of unsigned bytes: its dimensions and its values (row-major). */
    public record IdxArray(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }

        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) {
                s *= dims[i];
            }
            return s;
        }
    }

    /** Opens a file, transparently decompressing gzip (by its magic bytes, not its name). */
    public static InputStream open(Path path) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return (b1 == 0x1f && b2 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    public static IdxArray read(Path path) throws IOException {
        try (DataInputStream in = new DataInputStream(open(path))) {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new IOException("IDX file " + path + " is empty or truncated (no header)");
            }
            if ((magic & 0xffffff00) != 0x00000800) {
                throw new IOException(String.format("%s is not an unsigned-byte IDX file (magic 0x%08x)", path, magic));
            }
            int nd = magic & 0xff;
            if (nd < 1 || nd > 4) {
                throw new IOException(path + ": unsupported IDX rank " + nd);
            }
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                try {
                    dims[i] = in.readInt();
                } catch (EOFException e) {
                    throw new IOException("IDX file " + path + " is truncated inside its header");
                }
                if (dims[i] < 0) {
                    throw new IOException(path + ": negative IDX dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 16) {
                throw new IOException(path + ": IDX array too large (" + total + " values)");
            }
            long heap = Runtime.getRuntime().maxMemory() / 2;
            if (total > heap) {
                throw new IOException(path + ": the IDX header declares " + total + " values, more than half the "
                        + "heap (" + heap + " bytes); refusing to read it (a forged header, or raise -Xmx)");
            }
            // read what is there, not what the header claims: memory follows the file's real content
            byte[] data = in.readNBytes((int) total);
            if (data.length != total) {
                throw new IOException("IDX file " + path + " is truncated: expected " + total + " values, found "
                        + data.length);
            }
            // read to the end: a gzip stream checks its CRC only there, and a plain file must hold nothing more
            if (in.read() >= 0) {
                throw new IOException("IDX file " + path + " holds more bytes than its header declares ("
                        + Arrays.toString(dims) + "): not an IDX file, or damaged");
            }
            return new IdxArray(dims, data);
        } catch (java.util.zip.ZipException | EOFException e) {
            throw new IOException("IDX file " + path + " is a corrupt gzip file (" + e.getMessage() + ")", e);
        }
    }
}
