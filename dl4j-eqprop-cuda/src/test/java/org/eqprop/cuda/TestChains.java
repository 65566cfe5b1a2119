package org.eqprop.cuda;

import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random systems and comparisons shared by the kernel tests. */
final class TestChains {

    private TestChains() {
    }

    /** The host build of the kernels (skips the test, saying why, only when the module was built without g++). */
    static CudaKernels host() {
        String problem = CudaRuntime.loadNative();
        Assumptions.assumeTrue(problem == null, problem);
        return CudaKernels.host();
    }

    /** Uniform values in [lo, hi) as a float array of the given shape. */
    static INDArray uniform(Random r, double lo, double hi, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return Nd4j.create(v, shape, 'c');
    }

    /** A dense chain nIn → widths with weights of scale ±gain/√fan-in and biases in [−0.2, 0.5). */
    static EnergyChain dense(Random r, int nIn, int[] widths, StateActivation activation, Dynamics dynamics,
                             double gain) {
        List<Interaction> list = new ArrayList<>();
        int lower = nIn;
        for (int w : widths) {
            double a = gain / Math.sqrt(lower);
            list.add(new DenseInteraction(uniform(r, -a, a, lower, w), uniform(r, -0.2, 0.5, 1, w)));
            lower = w;
        }
        return new EnergyChain(list, widths, activation, dynamics);
    }

    static INDArray[] randomStates(Random r, EnergyChain chain, int batch) {
        INDArray[] s = new INDArray[chain.depth()];
        for (int k = 0; k < s.length; k++) {
            s[k] = uniform(r, 0, 1, chain.shape(k, batch));
        }
        return s;
    }

    /** One-hot labels [batch, classes]. */
    static INDArray oneHot(Random r, int batch, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return y;
    }

    /** ‖a − b‖∞ / ‖b‖∞ (b nonzero). */
    static double relativeError(INDArray a, INDArray b) {
        INDArray fa = a.castTo(DataType.DOUBLE).reshape(a.length());
        INDArray fb = b.castTo(DataType.DOUBLE).reshape(b.length());
        double scale = fb.amaxNumber().doubleValue();
        return fa.sub(fb).amaxNumber().doubleValue() / (scale == 0 ? 1 : scale);
    }

    static double relativeError(float[] a, float[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs((double) b[i]));
        }
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        return diff / (scale == 0 ? 1 : scale);
    }

    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
