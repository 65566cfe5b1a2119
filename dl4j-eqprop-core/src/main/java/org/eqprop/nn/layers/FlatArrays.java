package org.eqprop.nn.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Bulk copies between a contiguous float/double INDArray (a layer's flat parameter or gradient view) and a Java
 * double[], through the buffer's NIO view (ND4J's element-wise setData/asDouble cost several ms per 10⁵ values).
 */
final class FlatArrays {

    private FlatArrays() {
    }

    private static boolean contiguous(INDArray a) {
        return (a.isVectorOrScalar() || a.ordering() == 'c') && (a.length() == 1 || a.elementWiseStride() == 1)
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    static double[] read(INDArray a) {
        int n = (int) a.length();
        double[] out = new double[n];
        if (!contiguous(a)) {
            return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        }
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset());
            b.get(out);
        } else {
            FloatBuffer b = a.data().asNioFloat();
            b.position((int) a.offset());
            float[] f = new float[n];
            b.get(f);
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    static void write(INDArray a, double[] values) {
        if (values.length != a.length()) {
            throw new IllegalArgumentException("expected " + a.length() + " values, got " + values.length);
        }
        if (!contiguous(a)) {
            a.assign(Nd4j.createFromArray(values).reshape(a.shape()).castTo(a.dataType()));
            return;
        }
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = a.data().asNioDouble();
            b.position((int) a.offset());
            b.put(values);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            FloatBuffer b = a.data().asNioFloat();
            b.position((int) a.offset());
            b.put(f);
        }
    }
}
