package org.eqprop.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (versions 1–3): little-endian float32/float64/int8..int64/uint8/bool arrays, C or
 * Fortran order, read into and written from ND4J arrays, so that parameters travel to and from PyTorch code.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Serialises an array as .npy (float32, float64, int32 or int64; other types as float32). */
    public static byte[] write(INDArray a) {
        INDArray arr = a;
        String descr;
        switch (a.dataType()) {
            case DOUBLE:
                descr = "<f8";
                break;
            case INT:
                descr = "<i4";
                break;
            case LONG:
                descr = "<i8";
                break;
            case FLOAT:
                descr = "<f4";
                break;
            default:
                arr = a.castTo(DataType.FLOAT);
                descr = "<f4";
        }
        long[] shape = arr.shape();
        StringBuilder sh = new StringBuilder();
        for (long s : shape) {
            sh.append(s).append(", ");
        }
        String shapeStr = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + (shape.length == 0 ? "" :
                sh.substring(0, sh.length() - 2)) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeStr + ", }";
        int total = MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        INDArray c = arr.dup('c');
        int elem = c.dataType().width();
        ByteBuffer body = ByteBuffer.allocate((int) (c.length() * elem)).order(ByteOrder.LITTLE_ENDIAN);
        switch (c.dataType()) {
            case DOUBLE:
                for (double v : c.data().asDouble()) {
                    body.putDouble(v);
                }
                break;
            case INT:
                for (int v : c.data().asInt()) {
                    body.putInt(v);
                }
                break;
            case LONG:
                for (long v : c.data().asLong()) {
                    body.putLong(v);
                }
                break;
            default:
                for (float v : c.data().asFloat()) {
                    body.putFloat(v);
                }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        int hl = header.length();
        out.write(hl & 0xff);
        out.write((hl >> 8) & 0xff);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body.array());
        return out.toByteArray();
    }

    /** Parses .npy bytes; {@code name} is used in error messages. */
    public static INDArray read(byte[] bytes, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IOException(name + ": not a .npy array (bad magic)");
        }
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            offset = 10;
        } else if (major == 2 || major == 3) {
            headerLen = b.getInt(8);
            offset = 12;
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        if (offset + headerLen > bytes.length) {
            throw new IOException(name + ": truncated .npy header");
        }
        String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(name + ": malformed .npy header: " + header.trim());
        }
        String descr = d.group(1);
        boolean fortran = f.group(1).equals("True");
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long count = 1;
        for (long x : shape) {
            count *= x;
        }
        int start = offset + headerLen;
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer data = ByteBuffer.wrap(bytes, start, bytes.length - start).slice().order(order);
        String type = descr.substring(1);
        int width = Integer.parseInt(type.substring(1));
        if (data.remaining() < count * width) {
            throw new IOException(name + ": truncated .npy data: expected " + count * width + " bytes, found "
                    + data.remaining());
        }
        INDArray out;
        switch (type) {
            case "f4": {
                float[] v = new float[(int) count];
                data.asFloatBuffer().get(v);
                out = Nd4j.create(v, shape.length == 0 ? new long[]{} : shape, fortran ? 'f' : 'c');
                break;
            }
            case "f8": {
                double[] v = new double[(int) count];
                data.asDoubleBuffer().get(v);
                out = Nd4j.create(v, shape, fortran ? 'f' : 'c');
                break;
            }
            case "i8":
            case "u8": {
                long[] v = new long[(int) count];
                data.asLongBuffer().get(v);
                out = Nd4j.createFromArray(v).reshape(fortran ? 'f' : 'c', shape);
                break;
            }
            case "i4":
            case "u4": {
                int[] v = new int[(int) count];
                data.asIntBuffer().get(v);
                out = Nd4j.createFromArray(v).reshape(fortran ? 'f' : 'c', shape);
                break;
            }
            case "i2":
            case "u2": {
                int[] v = new int[(int) count];
                for (int i = 0; i < count; i++) {
                    short x = data.getShort(i * 2);
                    v[i] = type.equals("u2") ? (x & 0xffff) : x;
                }
                out = Nd4j.createFromArray(v).reshape(fortran ? 'f' : 'c', shape);
                break;
            }
            case "i1":
            case "u1":
            case "b1": {
                int[] v = new int[(int) count];
                for (int i = 0; i < count; i++) {
                    byte x = data.get(i);
                    v[i] = type.equals("i1") ? x : (x & 0xff);
                }
                out = Nd4j.createFromArray(v).reshape(fortran ? 'f' : 'c', shape);
                break;
            }
            default:
                throw new IOException(name + ": unsupported .npy dtype " + descr);
        }
        return out.dup('c');
    }
}
