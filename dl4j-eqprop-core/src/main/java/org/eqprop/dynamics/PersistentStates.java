package org.eqprop.dynamics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.eqprop.kernels.FusedKernels;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Persistent states (Scellier thesis §3.3.2): each example's free phase starts from the free fixed point it reached
 * last time instead of from zero, so fewer steps reach the fixed point. Examples are recognised by the content of
 * their input row (a 64-bit hash of its values), so no example index has to travel through DL4J's iterators. The
 * cache is bounded (a quarter of the heap by default, least recently used examples dropped first) and serves training
 * only: inference starts from zero, so that the same input always gives the same output.
 */
public final class PersistentStates {

    private final long maxBytes;
    private long bytes;
    private long evictions;
    /** Least recently used first: when the budget is full, the oldest example's states go. */
    private final LinkedHashMap<Long, float[][]> states = new LinkedHashMap<>(16, 0.75f, true);

    /** A cache within a quarter of the heap. */
    public PersistentStates() {
        this(Runtime.getRuntime().maxMemory() / 4);
    }

    /** A cache of at most {@code maxBytes} bytes of states; beyond it the least recently used examples are dropped. */
    public PersistentStates(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Start states for a batch: the stored ones where known, zeros elsewhere. */
    public synchronized INDArray[] startFor(INDArray x, EnergyChain chain, DataType dataType) {
        int batch = (int) x.size(0);
        int n = chain.depth();
        float[][] start = new float[n][];
        for (int k = 0; k < n; k++) {
            start[k] = new float[batch * chain.width(k)];
        }
        long[] keys = keys(x);
        for (int i = 0; i < batch; i++) {
            float[][] s = states.get(keys[i]);
            if (s != null) {
                for (int k = 0; k < n; k++) {
                    System.arraycopy(s[k], 0, start[k], i * chain.width(k), chain.width(k));
                }
            }
        }
        INDArray[] out = new INDArray[n];
        for (int k = 0; k < n; k++) {
            out[k] = FusedKernels.array(start[k], batch, chain.width(k)).castTo(dataType).reshape('c',
                    chain.shape(k, batch));
        }
        return out;
    }

    /** Remembers each example's free fixed point. */
    public synchronized void store(INDArray x, Equilibrium free) {
        long[] keys = keys(x);
        int n = free.states().length;
        float[][] all = new float[n][];
        int[] widths = new int[n];
        for (int k = 0; k < n; k++) {
            all[k] = FusedKernels.floats(free.states()[k]);
            widths[k] = (int) (free.states()[k].length() / free.states()[k].size(0));
        }
        for (int i = 0; i < keys.length; i++) {
            float[][] s = new float[n][];
            for (int k = 0; k < n; k++) {
                s[k] = Arrays.copyOfRange(all[k], i * widths[k], (i + 1) * widths[k]);
            }
            float[][] old = states.put(keys[i], s);
            bytes += size(s) - (old == null ? 0 : size(old));
        }
        while (bytes > maxBytes && !states.isEmpty()) {
            java.util.Iterator<Map.Entry<Long, float[][]>> it = states.entrySet().iterator();
            bytes -= size(it.next().getValue());
            it.remove();
            evictions++;
        }
    }

    public synchronized int size() {
        return states.size();
    }

    /** Bytes of states held (at most the budget). */
    public synchronized long bytes() {
        return bytes;
    }

    /** Examples dropped to stay within the budget; they start from zero next time. */
    public synchronized long evictions() {
        return evictions;
    }

    private static long size(float[][] s) {
        long n = 0;
        for (float[] a : s) {
            n += 4L * a.length;
        }
        return n;
    }

    private static long[] keys(INDArray x) {
        int batch = (int) x.size(0);
        int width = (int) (x.length() / batch);
        float[] v = FusedKernels.floats(x);
        long[] keys = new long[batch];
        for (int i = 0; i < batch; i++) {
            long h = 0xcbf29ce484222325L;
            for (int j = 0; j < width; j++) {
                h = (h ^ Float.floatToIntBits(v[i * width + j])) * 0x100000001b3L;
            }
            keys[i] = h;
        }
        return keys;
    }
}
