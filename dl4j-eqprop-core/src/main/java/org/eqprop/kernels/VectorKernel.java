package org.eqprop.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The product loop with the JDK Vector API: for each pair of output rows, blocks of four SIMD accumulators per row
 * over the batch stay in registers while the inner sum runs (fused multiply-adds, each input vector loaded once for
 * both rows). Loaded only when jdk.incubator.vector is present.
 */
final class VectorKernel implements SimdKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Integer lanes of the same shape, for the residual's maxima on float bits. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());

    @Override
    public void accumulate(float[] out, float[] init, float[] m, float[] in, int rows, int inner, int stride) {
        final int wide = stride / (4 * S.length()) * (4 * S.length());
        int r = 0;
        for (; r + 4 < rows; r += 5) {
            rowQuintet(out, init, m, in, r, inner, stride, wide);
            for (int q = r; q < r + 5; q++) {
                narrow(out, init, m, in, q, inner, stride, wide);
            }
        }
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

    /**
     * Rows r .. r + 4 over the columns [0, wide): twenty accumulators share each loaded input vector, so that a
     * layer's input (the hidden states under the output layer's product, 500 × the slice) is read once per five rows
     * instead of once per two, and the loads stay below the fused multiply-adds. Each sum runs in the same order as
     * {@link #row}: the same bits.
     */
    private static void rowQuintet(float[] out, float[] init, float[] m, float[] in, int r, int inner, int stride,
                                   int wide) {
        final int l = S.length();
        final int o0 = r * stride;
        final int o1 = o0 + stride;
        final int o2 = o1 + stride;
        final int o3 = o2 + stride;
        final int o4 = o3 + stride;
        final int m0 = r * inner;
        for (int b = 0; b < wide; b += 4 * l) {
            FloatVector a0 = FloatVector.fromArray(S, init, o0 + b);
            FloatVector a1 = FloatVector.fromArray(S, init, o0 + b + l);
            FloatVector a2 = FloatVector.fromArray(S, init, o0 + b + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, init, o0 + b + 3 * l);
            FloatVector c0 = FloatVector.fromArray(S, init, o1 + b);
            FloatVector c1 = FloatVector.fromArray(S, init, o1 + b + l);
            FloatVector c2 = FloatVector.fromArray(S, init, o1 + b + 2 * l);
            FloatVector c3 = FloatVector.fromArray(S, init, o1 + b + 3 * l);
            FloatVector d0 = FloatVector.fromArray(S, init, o2 + b);
            FloatVector d1 = FloatVector.fromArray(S, init, o2 + b + l);
            FloatVector d2 = FloatVector.fromArray(S, init, o2 + b + 2 * l);
            FloatVector d3 = FloatVector.fromArray(S, init, o2 + b + 3 * l);
            FloatVector e0 = FloatVector.fromArray(S, init, o3 + b);
            FloatVector e1 = FloatVector.fromArray(S, init, o3 + b + l);
            FloatVector e2 = FloatVector.fromArray(S, init, o3 + b + 2 * l);
            FloatVector e3 = FloatVector.fromArray(S, init, o3 + b + 3 * l);
            FloatVector f0 = FloatVector.fromArray(S, init, o4 + b);
            FloatVector f1 = FloatVector.fromArray(S, init, o4 + b + l);
            FloatVector f2 = FloatVector.fromArray(S, init, o4 + b + 2 * l);
            FloatVector f3 = FloatVector.fromArray(S, init, o4 + b + 3 * l);
            for (int c = 0, i = b, mc = m0; c < inner; c++, i += stride, mc++) {
                FloatVector x0 = FloatVector.fromArray(S, in, i);
                FloatVector x1 = FloatVector.fromArray(S, in, i + l);
                FloatVector x2 = FloatVector.fromArray(S, in, i + 2 * l);
                FloatVector x3 = FloatVector.fromArray(S, in, i + 3 * l);
                FloatVector w = FloatVector.broadcast(S, m[mc]);
                a0 = x0.fma(w, a0);
                a1 = x1.fma(w, a1);
                a2 = x2.fma(w, a2);
                a3 = x3.fma(w, a3);
                w = FloatVector.broadcast(S, m[mc + inner]);
                c0 = x0.fma(w, c0);
                c1 = x1.fma(w, c1);
                c2 = x2.fma(w, c2);
                c3 = x3.fma(w, c3);
                w = FloatVector.broadcast(S, m[mc + 2 * inner]);
                d0 = x0.fma(w, d0);
                d1 = x1.fma(w, d1);
                d2 = x2.fma(w, d2);
                d3 = x3.fma(w, d3);
                w = FloatVector.broadcast(S, m[mc + 3 * inner]);
                e0 = x0.fma(w, e0);
                e1 = x1.fma(w, e1);
                e2 = x2.fma(w, e2);
                e3 = x3.fma(w, e3);
                w = FloatVector.broadcast(S, m[mc + 4 * inner]);
                f0 = x0.fma(w, f0);
                f1 = x1.fma(w, f1);
                f2 = x2.fma(w, f2);
                f3 = x3.fma(w, f3);
            }
            a0.intoArray(out, o0 + b);
            a1.intoArray(out, o0 + b + l);
            a2.intoArray(out, o0 + b + 2 * l);
            a3.intoArray(out, o0 + b + 3 * l);
            c0.intoArray(out, o1 + b);
            c1.intoArray(out, o1 + b + l);
            c2.intoArray(out, o1 + b + 2 * l);
            c3.intoArray(out, o1 + b + 3 * l);
            d0.intoArray(out, o2 + b);
            d1.intoArray(out, o2 + b + l);
            d2.intoArray(out, o2 + b + 2 * l);
            d3.intoArray(out, o2 + b + 3 * l);
            e0.intoArray(out, o3 + b);
            e1.intoArray(out, o3 + b + l);
            e2.intoArray(out, o3 + b + 2 * l);
            e3.intoArray(out, o3 + b + 3 * l);
            f0.intoArray(out, o4 + b);
            f1.intoArray(out, o4 + b + l);
            f2.intoArray(out, o4 + b + 2 * l);
            f3.intoArray(out, o4 + b + 3 * l);
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

    /** Floats of {@code in} that one block (a chunk of the inner index, four vectors wide) may span: it stays in L1. */
    private static final int CHUNK_FLOATS = 4096;

    /**
     * The transposed product in blocks of {@code in}, a chunk of the inner index by four vectors of columns, that
     * stay in the L1 cache while every row passes over them: four rows at a time, sixteen accumulators over four
     * vectors, or four over one vector for the columns left over. Each sum runs over c in ascending order, whatever
     * the chunking (the partial sums go through out unchanged), so the result is that of one fused multiply-add
     * chain.
     */
    @Override
    public void accumulateTransposed(float[] out, float[] init, float[] mT, float[] in, int rows, int inner,
                                     int stride) {
        final int l = S.length();
        final int wide = stride / (4 * l) * (4 * l);
        final int chunk = Math.max(4, CHUNK_FLOATS / Math.min(stride, 4 * l));
        final int quads = rows / 4 * 4;
        for (int c0 = 0; c0 < inner; c0 += chunk) {
            int c1 = Math.min(inner, c0 + chunk);
            float[] from = c0 == 0 ? init : out;
            for (int b = 0; b < wide; b += 4 * l) {
                for (int r = 0; r < quads; r += 4) {
                    quadWide(out, from, mT, in, r, rows, c0, c1, stride, b);
                }
            }
            for (int b = wide; b < stride; b += l) {
                for (int r = 0; r < quads; r += 4) {
                    quadNarrow(out, from, mT, in, r, rows, c0, c1, stride, b);
                }
            }
            for (int r = quads; r < rows; r++) {
                for (int b = 0; b < stride; b += l) {
                    FloatVector a = FloatVector.fromArray(S, from, r * stride + b);
                    for (int c = c0, i = c0 * stride + b; c < c1; c++, i += stride) {
                        a = FloatVector.fromArray(S, in, i).fma(FloatVector.broadcast(S, mT[c * rows + r]), a);
                    }
                    a.intoArray(out, r * stride + b);
                }
            }
        }
    }

    /** Rows r .. r + 3, columns [b, b + 4 lanes), inner indices [c0, c1): sixteen accumulators in registers. */
    private static void quadWide(float[] out, float[] from, float[] mT, float[] in, int r, int rows, int c0, int c1,
                                 int stride, int b) {
        final int l = S.length();
        int o0 = r * stride + b;
        int o1 = o0 + stride;
        int o2 = o1 + stride;
        int o3 = o2 + stride;
        FloatVector a0 = FloatVector.fromArray(S, from, o0);
        FloatVector a1 = FloatVector.fromArray(S, from, o0 + l);
        FloatVector a2 = FloatVector.fromArray(S, from, o0 + 2 * l);
        FloatVector a3 = FloatVector.fromArray(S, from, o0 + 3 * l);
        FloatVector b0 = FloatVector.fromArray(S, from, o1);
        FloatVector b1 = FloatVector.fromArray(S, from, o1 + l);
        FloatVector b2 = FloatVector.fromArray(S, from, o1 + 2 * l);
        FloatVector b3 = FloatVector.fromArray(S, from, o1 + 3 * l);
        FloatVector d0 = FloatVector.fromArray(S, from, o2);
        FloatVector d1 = FloatVector.fromArray(S, from, o2 + l);
        FloatVector d2 = FloatVector.fromArray(S, from, o2 + 2 * l);
        FloatVector d3 = FloatVector.fromArray(S, from, o2 + 3 * l);
        FloatVector e0 = FloatVector.fromArray(S, from, o3);
        FloatVector e1 = FloatVector.fromArray(S, from, o3 + l);
        FloatVector e2 = FloatVector.fromArray(S, from, o3 + 2 * l);
        FloatVector e3 = FloatVector.fromArray(S, from, o3 + 3 * l);
        for (int c = c0, i = c0 * stride + b, m = c0 * rows + r; c < c1; c++, i += stride, m += rows) {
            FloatVector x0 = FloatVector.fromArray(S, in, i);
            FloatVector x1 = FloatVector.fromArray(S, in, i + l);
            FloatVector x2 = FloatVector.fromArray(S, in, i + 2 * l);
            FloatVector x3 = FloatVector.fromArray(S, in, i + 3 * l);
            FloatVector w = FloatVector.broadcast(S, mT[m]);
            a0 = x0.fma(w, a0);
            a1 = x1.fma(w, a1);
            a2 = x2.fma(w, a2);
            a3 = x3.fma(w, a3);
            w = FloatVector.broadcast(S, mT[m + 1]);
            b0 = x0.fma(w, b0);
            b1 = x1.fma(w, b1);
            b2 = x2.fma(w, b2);
            b3 = x3.fma(w, b3);
            w = FloatVector.broadcast(S, mT[m + 2]);
            d0 = x0.fma(w, d0);
            d1 = x1.fma(w, d1);
            d2 = x2.fma(w, d2);
            d3 = x3.fma(w, d3);
            w = FloatVector.broadcast(S, mT[m + 3]);
            e0 = x0.fma(w, e0);
            e1 = x1.fma(w, e1);
            e2 = x2.fma(w, e2);
            e3 = x3.fma(w, e3);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o0 + l);
        a2.intoArray(out, o0 + 2 * l);
        a3.intoArray(out, o0 + 3 * l);
        b0.intoArray(out, o1);
        b1.intoArray(out, o1 + l);
        b2.intoArray(out, o1 + 2 * l);
        b3.intoArray(out, o1 + 3 * l);
        d0.intoArray(out, o2);
        d1.intoArray(out, o2 + l);
        d2.intoArray(out, o2 + 2 * l);
        d3.intoArray(out, o2 + 3 * l);
        e0.intoArray(out, o3);
        e1.intoArray(out, o3 + l);
        e2.intoArray(out, o3 + 2 * l);
        e3.intoArray(out, o3 + 3 * l);
    }

    /** Rows r .. r + 3, the one vector column at b, inner indices [c0, c1): four accumulators. */
    private static void quadNarrow(float[] out, float[] from, float[] mT, float[] in, int r, int rows, int c0, int c1,
                                   int stride, int b) {
        int o0 = r * stride + b;
        FloatVector a = FloatVector.fromArray(S, from, o0);
        FloatVector a1 = FloatVector.fromArray(S, from, o0 + stride);
        FloatVector a2 = FloatVector.fromArray(S, from, o0 + 2 * stride);
        FloatVector a3 = FloatVector.fromArray(S, from, o0 + 3 * stride);
        for (int c = c0, i = c0 * stride + b, m = c0 * rows + r; c < c1; c++, i += stride, m += rows) {
            FloatVector x = FloatVector.fromArray(S, in, i);
            a = x.fma(FloatVector.broadcast(S, mT[m]), a);
            a1 = x.fma(FloatVector.broadcast(S, mT[m + 1]), a1);
            a2 = x.fma(FloatVector.broadcast(S, mT[m + 2]), a2);
            a3 = x.fma(FloatVector.broadcast(S, mT[m + 3]), a3);
        }
        a.intoArray(out, o0);
        a1.intoArray(out, o0 + stride);
        a2.intoArray(out, o0 + 2 * stride);
        a3.intoArray(out, o0 + 3 * stride);
    }

    /**
     * One dot product per (i, j) over the slice's examples, two j at a time: four independent accumulators (phase a
     * and phase b for each j, each loaded row of la and lb used twice), reduced once as Σ a − Σ b; the columns past
     * the last whole vector below nb one by one.
     */
    @Override
    public void contrastProducts(float[] g, float[] la, float[] ua, float[] lb, float[] ub, int rows, int cols,
                                 int nb, int stride) {
        final int l = S.length();
        final int whole = nb / l * l;
        for (int i = 0; i < rows; i++) {
            int li = i * stride;
            int j = 0;
            for (; j + 1 < cols; j += 2) {
                int u0 = j * stride;
                int u1 = u0 + stride;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector b0 = FloatVector.zero(S);
                FloatVector a1 = FloatVector.zero(S);
                FloatVector b1 = FloatVector.zero(S);
                for (int b = 0; b < whole; b += l) {
                    FloatVector x = FloatVector.fromArray(S, la, li + b);
                    FloatVector y = FloatVector.fromArray(S, lb, li + b);
                    a0 = x.fma(FloatVector.fromArray(S, ua, u0 + b), a0);
                    b0 = y.fma(FloatVector.fromArray(S, ub, u0 + b), b0);
                    a1 = x.fma(FloatVector.fromArray(S, ua, u1 + b), a1);
                    b1 = y.fma(FloatVector.fromArray(S, ub, u1 + b), b1);
                }
                g[i * cols + j] += a0.sub(b0).reduceLanes(VectorOperators.ADD) + tail(la, ua, lb, ub, li, u0, whole, nb);
                g[i * cols + j + 1] += a1.sub(b1).reduceLanes(VectorOperators.ADD)
                        + tail(la, ua, lb, ub, li, u1, whole, nb);
            }
            for (; j < cols; j++) {
                int u0 = j * stride;
                FloatVector a0 = FloatVector.zero(S);
                FloatVector b0 = FloatVector.zero(S);
                for (int b = 0; b < whole; b += l) {
                    a0 = FloatVector.fromArray(S, la, li + b).fma(FloatVector.fromArray(S, ua, u0 + b), a0);
                    b0 = FloatVector.fromArray(S, lb, li + b).fma(FloatVector.fromArray(S, ub, u0 + b), b0);
                }
                g[i * cols + j] += a0.sub(b0).reduceLanes(VectorOperators.ADD) + tail(la, ua, lb, ub, li, u0, whole, nb);
            }
        }
    }

    /** Σ_{b in [from, nb)} (la[li + b]·ua[uj + b] − lb[li + b]·ub[uj + b]): the columns after the whole vectors. */
    private static float tail(float[] la, float[] ua, float[] lb, float[] ub, int li, int uj, int from, int nb) {
        float sum = 0f;
        for (int b = from; b < nb; b++) {
            sum += la[li + b] * ua[uj + b] - lb[li + b] * ub[uj + b];
        }
        return sum;
    }

    /**
     * The clipped step two vectors at a time. The clip is a compare and a blend, not Math.max/min (whose NaN and −0
     * rules cost a sequence of instructions per call; a NaN still passes through, and −0 stays −0 where Math.max
     * would give +0, the same value). The residual keeps two running maxima of |s_{t+1} − s_t| as integers: the
     * bits of a float without its sign order like the magnitudes (a NaN's above infinity's), so a one-cycle integer
     * maximum replaces the float one, whose NaN rules made its chain of dependent maxima set the pace (11.7–12.7
     * against 15.0–15.7 µs for 32,000 floats, the two alternating in one process; docs/performance.md).
     */
    @Override
    public float clampStep(float[] s, float[] u, int len, float slope, float eps, float leak) {
        final int l = S.length();
        FloatVector keep = FloatVector.broadcast(S, 1f - eps);
        FloatVector gain = FloatVector.broadcast(S, eps * slope);
        FloatVector lk = FloatVector.broadcast(S, leak);
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        IntVector magnitude = IntVector.broadcast(I, 0x7fffffff);
        IntVector res0 = IntVector.zero(I);
        IntVector res1 = res0;
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
            res0 = res0.max(((IntVector) n0.sub(s0).reinterpretAsInts()).and(magnitude));
            res1 = res1.max(((IntVector) n1.sub(s1).reinterpretAsInts()).and(magnitude));
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
            res0 = res0.max(((IntVector) next.sub(sv).reinterpretAsInts()).and(magnitude));
            next.intoArray(u, i);
        }
        float residual = Float.intBitsToFloat(res0.max(res1).reduceLanes(VectorOperators.MAX));
        for (; i < len; i++) {
            float v = u[i];
            float next = Math.min(Math.max((1f - eps) * s[i] + eps * slope * v, 0f), 1f) + leak * v;
            residual = Math.max(residual, Math.abs(next - s[i]));
            u[i] = next;
        }
        return residual;
    }

    /**
     * x·0 + acc leaves acc at zero for every finite x and makes it NaN for a NaN or an infinity, for good: one fused
     * multiply-add per vector, two running sums, read straight from the (native) buffer.
     */
    @Override
    public boolean allFinite(java.nio.ByteBuffer b, int offset, int count) {
        final int l = S.length();
        java.nio.ByteOrder order = java.nio.ByteOrder.nativeOrder();
        FloatVector zero = FloatVector.zero(S);
        FloatVector acc0 = zero;
        FloatVector acc1 = zero;
        int i = 0;
        for (; i + 2 * l <= count; i += 2 * l) {
            acc0 = FloatVector.fromByteBuffer(S, b, offset + 4 * i, order).fma(zero, acc0);
            acc1 = FloatVector.fromByteBuffer(S, b, offset + 4 * (i + l), order).fma(zero, acc1);
        }
        return Float.isFinite(acc0.add(acc1).reduceLanes(VectorOperators.ADD))
                && SimdKernel.allFiniteFrom(b, offset, i, count);
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
