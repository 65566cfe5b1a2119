package org.eqprop.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The product loop with the JDK Vector API: for each pair of output rows, blocks of four SIMD accumulators per row
 * over the batch stay in registers while the inner sum runs (fused multiply-adds, each input vector loaded once for
 * both rows). Loaded only when jdk.incubator.vector is present.
 */
final class VectorKernel implements SimdKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void accumulate(float[] out, float[] init, float[] m, float[] in, int rows, int inner, int stride) {
        final int wide = stride / (4 * S.length()) * (4 * S.length());
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            rowPair(out, init, m, in, r, inner, stride, wide);
            narrow(out, init, m, in, r, inner, stride, wide);
            narrow(out, init, m, in, r + 1, inner, stride, wide);
        }
        for (; r < rows; r++) {
            row(out, init, m, in, r, inner, stride, wide);
            narrow(out, init, m, in, r, inner, stride, wide);
        }
    }

    /**
     * Rows r and r + 1 over the columns [0, wide): eight accumulators share each loaded input vector, so the loads
     * are halved and eight independent fused multiply-adds are in flight. Each sum runs in the same order as
     * {@link #row}, so the results are the same bits.
     */
    private static void rowPair(float[] out, float[] init, float[] m, float[] in, int r, int inner, int stride,
                                int wide) {
        final int l = S.length();
        int o = r * stride;
        int p = o + stride;
        int mr = r * inner;
        int mp = mr + inner;
        for (int b = 0; b < wide; b += 4 * l) {
            FloatVector a0 = FloatVector.fromArray(S, init, o + b);
            FloatVector a1 = FloatVector.fromArray(S, init, o + b + l);
            FloatVector a2 = FloatVector.fromArray(S, init, o + b + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, init, o + b + 3 * l);
            FloatVector c0 = FloatVector.fromArray(S, init, p + b);
            FloatVector c1 = FloatVector.fromArray(S, init, p + b + l);
            FloatVector c2 = FloatVector.fromArray(S, init, p + b + 2 * l);
            FloatVector c3 = FloatVector.fromArray(S, init, p + b + 3 * l);
            for (int c = 0, i = b; c < inner; c++, i += stride) {
                FloatVector w = FloatVector.broadcast(S, m[mr + c]);
                FloatVector v = FloatVector.broadcast(S, m[mp + c]);
                FloatVector x0 = FloatVector.fromArray(S, in, i);
                FloatVector x1 = FloatVector.fromArray(S, in, i + l);
                FloatVector x2 = FloatVector.fromArray(S, in, i + 2 * l);
                FloatVector x3 = FloatVector.fromArray(S, in, i + 3 * l);
                a0 = x0.fma(w, a0);
                a1 = x1.fma(w, a1);
                a2 = x2.fma(w, a2);
                a3 = x3.fma(w, a3);
                c0 = x0.fma(v, c0);
                c1 = x1.fma(v, c1);
                c2 = x2.fma(v, c2);
                c3 = x3.fma(v, c3);
            }
            a0.intoArray(out, o + b);
            a1.intoArray(out, o + b + l);
            a2.intoArray(out, o + b + 2 * l);
            a3.intoArray(out, o + b + 3 * l);
            c0.intoArray(out, p + b);
            c1.intoArray(out, p + b + l);
            c2.intoArray(out, p + b + 2 * l);
            c3.intoArray(out, p + b + 3 * l);
        }
    }

    /** Row r over the columns [0, wide): blocks of four SIMD accumulators stay in registers over the inner sum. */
    private static void row(float[] out, float[] init, float[] m, float[] in, int r, int inner, int stride,
                            int wide) {
        final int l = S.length();
        int o = r * stride;
        int mr = r * inner;
        for (int b = 0; b < wide; b += 4 * l) {
            FloatVector a0 = FloatVector.fromArray(S, init, o + b);
            FloatVector a1 = FloatVector.fromArray(S, init, o + b + l);
            FloatVector a2 = FloatVector.fromArray(S, init, o + b + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, init, o + b + 3 * l);
            for (int c = 0, i = b; c < inner; c++, i += stride) {
                FloatVector w = FloatVector.broadcast(S, m[mr + c]);
                a0 = FloatVector.fromArray(S, in, i).fma(w, a0);
                a1 = FloatVector.fromArray(S, in, i + l).fma(w, a1);
                a2 = FloatVector.fromArray(S, in, i + 2 * l).fma(w, a2);
                a3 = FloatVector.fromArray(S, in, i + 3 * l).fma(w, a3);
            }
            a0.intoArray(out, o + b);
            a1.intoArray(out, o + b + l);
            a2.intoArray(out, o + b + 2 * l);
            a3.intoArray(out, o + b + 3 * l);
        }
    }

    /**
     * Row r over the columns [from, stride) of narrow slices: one vector column at a time, with four partial sums
     * over the inner index so that the fused multiply-adds do not wait on each other.
     */
    private static void narrow(float[] out, float[] init, float[] m, float[] in, int r, int inner, int stride,
                               int from) {
        final int l = S.length();
        int o = r * stride;
        int mr = r * inner;
        for (int b = from; b < stride; b += l) {
            FloatVector a0 = FloatVector.fromArray(S, init, o + b);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            int c = 0;
            int i = b;
            for (; c + 3 < inner; c += 4, i += 4 * stride) {
                a0 = FloatVector.fromArray(S, in, i).fma(FloatVector.broadcast(S, m[mr + c]), a0);
                a1 = FloatVector.fromArray(S, in, i + stride).fma(FloatVector.broadcast(S, m[mr + c + 1]), a1);
                a2 = FloatVector.fromArray(S, in, i + 2 * stride).fma(FloatVector.broadcast(S, m[mr + c + 2]), a2);
                a3 = FloatVector.fromArray(S, in, i + 3 * stride).fma(FloatVector.broadcast(S, m[mr + c + 3]), a3);
            }
            for (; c < inner; c++, i += stride) {
                a0 = FloatVector.fromArray(S, in, i).fma(FloatVector.broadcast(S, m[mr + c]), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(out, o + b);
        }
    }

    /**
     * The clipped step two vectors at a time. The clip is a compare and a blend, not Math.max/min (whose NaN and −0
     * rules cost a sequence of instructions per call; a NaN still passes through, and −0 stays −0 where Math.max
     * would give +0, the same value); the residual keeps two running maxima, so that no chain of dependent maxima
     * sets the pace.
     */
    @Override
    public float clampStep(float[] s, float[] u, int len, float slope, float eps, float leak) {
        final int l = S.length();
        FloatVector keep = FloatVector.broadcast(S, 1f - eps);
        FloatVector gain = FloatVector.broadcast(S, eps * slope);
        FloatVector lk = FloatVector.broadcast(S, leak);
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector res0 = zero;
        FloatVector res1 = zero;
        boolean leaky = leak != 0f;
        int i = 0;
        for (; i + 2 * l <= len; i += 2 * l) {
            FloatVector s0 = FloatVector.fromArray(S, s, i);
            FloatVector s1 = FloatVector.fromArray(S, s, i + l);
            FloatVector u0 = FloatVector.fromArray(S, u, i);
            FloatVector u1 = FloatVector.fromArray(S, u, i + l);
            FloatVector n0 = clip(s0.mul(keep).add(u0.mul(gain)), zero, one);
            FloatVector n1 = clip(s1.mul(keep).add(u1.mul(gain)), zero, one);
            if (leaky) {
                n0 = u0.fma(lk, n0);
                n1 = u1.fma(lk, n1);
            }
            res0 = res0.max(n0.sub(s0).abs());
            res1 = res1.max(n1.sub(s1).abs());
            n0.intoArray(u, i);
            n1.intoArray(u, i + l);
        }
        for (; i + l <= len; i += l) {
            FloatVector sv = FloatVector.fromArray(S, s, i);
            FloatVector uv = FloatVector.fromArray(S, u, i);
            FloatVector next = clip(sv.mul(keep).add(uv.mul(gain)), zero, one);
            if (leaky) {
                next = uv.fma(lk, next);
            }
            res0 = res0.max(next.sub(sv).abs());
            next.intoArray(u, i);
        }
        float residual = res0.max(res1).reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            float v = u[i];
            float next = Math.min(Math.max((1f - eps) * s[i] + eps * slope * v, 0f), 1f) + leak * v;
            residual = Math.max(residual, Math.abs(next - s[i]));
            u[i] = next;
        }
        return residual;
    }

    /** clip(v, 0, 1) lane by lane: lanes below 0 become 0, lanes above 1 become 1, the rest (NaN too) stay. */
    private static FloatVector clip(FloatVector v, FloatVector zero, FloatVector one) {
        return v.blend(zero, v.compare(VectorOperators.LT, zero)).blend(one, v.compare(VectorOperators.GT, one));
    }

    @Override
    public int lanes() {
        return S.length();
    }

    @Override
    public String name() {
        return "vector-api";
    }
}
