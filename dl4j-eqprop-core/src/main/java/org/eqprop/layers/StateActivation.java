package org.eqprop.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Locale;

/**
 * The activation σ of a layer of state variables: the relaxation sets s = σ(∂Φ/∂s).
 *
 * <ul>
 *   <li>{@code hard-sigmoid}: σ(u) = clip(u, 0, 1) (Ernoult et al. 2019);</li>
 *   <li>{@code half-hard-sigmoid}: σ(u) = clip(u/2, 0, 1) (Laborieux et al. 2021);</li>
 *   <li>{@code sigmoid}: σ(u) = 1 / (1 + e^{−4(u − 1/2)}) (a smooth version of the hard sigmoid);</li>
 *   <li>{@code logistic}: σ(u) = 1 / (1 + e^{−u}), the standard logistic function (slope ¼ at 0);</li>
 *   <li>{@code tanh}: σ(u) = tanh u, states in (−1, 1).</li>
 * </ul>
 * The last three are holomorphic (they extend to complex drives, as holomorphic EqProp needs); the first two are
 * clipped. The CUDA kernels know the first three.
 * An optional leak λ adds λu (σ(u) + λu), which keeps gradients alive in saturated units. Every σ here is
 * monotone, so s = σ(∂Φ/∂s) is a stationary point of the energy E(s) = Σ∫σ⁻¹ − Φ(s) and the EqProp theorem
 * applies to its fixed points.
 */
public final class StateActivation {

    /** The activation's shape, with its command-line name. */
    public enum Kind implements org.eqprop.util.Named {
        HARD_SIGMOID("hard-sigmoid"), HALF_HARD_SIGMOID("half-hard-sigmoid"), SIGMOID("sigmoid"),
        LOGISTIC("logistic"), TANH("tanh");

        private final String cliName;

        Kind(String cliName) {
            this.cliName = cliName;
        }

        @Override
        public String cliName() {
            return cliName;
        }

        public static Kind fromName(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (Kind k : values()) {
                if (k.cliName.equals(n)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("Unknown activation '" + name + "'; expected one of "
                    + Arrays.toString(Arrays.stream(values()).map(Kind::cliName).toArray()));
        }
    }

    private final Kind kind;
    private final float leak;

    public StateActivation(Kind kind, double leak) {
        if (!(leak >= 0) || !Double.isFinite(leak)) {
            throw new IllegalArgumentException("leak must be finite and >= 0, got " + leak);
        }
        this.kind = kind;
        this.leak = (float) leak;
    }

    public static StateActivation of(String name, double leak) {
        return new StateActivation(Kind.fromName(name), leak);
    }

    public Kind kind() {
        return kind;
    }

    public double leak() {
        return leak;
    }

    /** σ(u) for one value. */
    public float apply(float u) {
        float s;
        switch (kind) {
            case HARD_SIGMOID:
                s = u < 0f ? 0f : (u > 1f ? 1f : u);
                break;
            case HALF_HARD_SIGMOID:
                float h = 0.5f * u;
                s = h < 0f ? 0f : (h > 1f ? 1f : h);
                break;
            case SIGMOID:
                s = (float) (1.0 / (1.0 + Math.exp(-4.0 * (u - 0.5))));
                break;
            case LOGISTIC:
                s = (float) (1.0 / (1.0 + Math.exp(-u)));
                break;
            default:
                s = (float) Math.tanh(u);
        }
        return leak == 0f ? s : s + leak * u;
    }

    /** σ(u) for {@code u[0..len)}, in place (the fused CPU kernels' form: one tight loop per kind). */
    public void applyInPlace(float[] u, int len) {
        switch (kind) {
            case HARD_SIGMOID:
                for (int i = 0; i < len; i++) {
                    float v = u[i];
                    u[i] = Math.min(Math.max(v, 0f), 1f) + leak * v;
                }
                break;
            case HALF_HARD_SIGMOID:
                for (int i = 0; i < len; i++) {
                    float v = u[i];
                    u[i] = Math.min(Math.max(0.5f * v, 0f), 1f) + leak * v;
                }
                break;
            default:
                for (int i = 0; i < len; i++) {
                    u[i] = apply(u[i]);
                }
        }
    }

    /** σ(u) for a whole array, in place: returns {@code u} now holding σ(u). */
    public INDArray applyInPlace(INDArray u) {
        if (isClipped() && u.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && u.length() >= PARALLEL_MIN
                && u.ordering() == 'c' && u.offset() == 0 && u.data().length() == u.length()
                && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(u)) {
            clipInPlace(u);
            return u;
        }
        INDArray leaked = leak == 0f ? null : u.mul(leak);
        switch (kind) {
            case HARD_SIGMOID:
                Transforms.min(Transforms.max(u, 0.0, false), 1.0, false);
                break;
            case HALF_HARD_SIGMOID:
                Transforms.min(Transforms.max(u.muli(0.5), 0.0, false), 1.0, false);
                break;
            case SIGMOID:
                Transforms.sigmoid(u.subi(0.5).muli(4.0), false);
                break;
            case LOGISTIC:
                Transforms.sigmoid(u, false);
                break;
            default:
                Transforms.tanh(u, false);
        }
        return leaked == null ? u : u.addi(leaked);
    }

    /** Float32 maps at least this long take the one-pass clip ({@link #clipInPlace}). */
    private static final int PARALLEL_MIN = 1 << 15;

    /**
     * u := clip(a u, 0, 1) + λu for a dense float32 array (a conv layer's feature maps), in one pass split over the
     * cores, each copying its range in blocks out of native memory and back (bulk copies: element-wise access to
     * native memory costs more than the arithmetic): the same float operations, in the same order, as the three or
     * four ND4J operations of the general case (scale, max, min, leak).
     */
    private void clipInPlace(INDArray u) {
        java.nio.FloatBuffer b = u.data().asNioFloat();
        float slope = kind == Kind.HALF_HARD_SIGMOID ? 0.5f : 1f;
        float lambda = leak;
        org.eqprop.kernels.CorePool.parallelFor((int) u.length(), PARALLEL_MIN / 2, (from, to) -> {
            float[] block = new float[Math.min(4096, to - from)];
            for (int at = from; at < to; at += block.length) {
                int len = Math.min(block.length, to - at);
                b.get(at, block, 0, len);
                for (int i = 0; i < len; i++) {
                    float v = block[i];
                    float s = Math.min(Math.max(v * slope, 0f), 1f);
                    block[i] = lambda == 0f ? s : s + v * lambda;
                }
                b.put(at, block, 0, len);
            }
        });
    }

    /**
     * σ'(u) for a whole array (a new array): 1 on (0, 1) for the hard sigmoid, ½ on (0, 2) for the half-hard one
     * (0 at and beyond the kinks), 4σ(1 − σ) for the sigmoid, σ(1 − σ) for the logistic, 1 − tanh² for tanh; plus
     * the leak λ. Used by backpropagation through time.
     */
    public INDArray derivative(INDArray u) {
        INDArray d;
        switch (kind) {
            case HARD_SIGMOID:
                d = u.gt(0.0).castTo(u.dataType()).muli(u.lt(1.0).castTo(u.dataType()));
                break;
            case HALF_HARD_SIGMOID:
                d = u.gt(0.0).castTo(u.dataType()).muli(u.lt(2.0).castTo(u.dataType())).muli(0.5);
                break;
            case SIGMOID:
                INDArray s = Transforms.sigmoid(u.sub(0.5).muli(4.0), false);
                d = s.mul(s.rsub(1.0)).muli(4.0);
                break;
            case LOGISTIC:
                INDArray l = Transforms.sigmoid(u, true);
                d = l.mul(l.rsub(1.0));
                break;
            default:
                INDArray t = Transforms.tanh(u, true);
                d = t.muli(t).rsubi(1.0);
        }
        return leak == 0f ? d : d.addi(leak);
    }

    /**
     * True when σ extends to a holomorphic function of a complex drive (the sigmoid, with or without leak); the
     * clipped activations have kinks, where no complex derivative exists, so holomorphic EqProp refuses them.
     */
    public boolean isHolomorphic() {
        return !isClipped();
    }

    /** True for the clipped activations clip(a u, 0, 1) (hard-sigmoid, a = 1; half-hard-sigmoid, a = ½). */
    public boolean isClipped() {
        return kind == Kind.HARD_SIGMOID || kind == Kind.HALF_HARD_SIGMOID;
    }

    /**
     * The holomorphic extension of σ at z = u + iv, in place: {@code re} and {@code im} hold u and v and receive
     * Re σ(z) and Im σ(z) (Laborieux &amp; Zenke 2022), leak λz included. The sigmoids 1/(1 + e^{−g(z − c)}) are
     * evaluated with w = −g(z − c) = p + iq as 1/(1 + e^p e^{iq}), or e^{−p}/(e^{−p} + e^{iq}) when p &gt; 0, and
     * tanh(x + iy) = (sign(x)(1 − e²) + 2ie sin 2y) / (1 + e² + 2e cos 2y) with e = e^{−2|x|}, so that no exponential
     * overflows. Their poles (v = ±π/g for the sigmoids at u = c, ±π/2 for tanh at u = 0) give non-finite values,
     * which the relaxation reports.
     */
    public void applyComplexInPlace(double[] re, double[] im) {
        if (!isHolomorphic()) {
            throw new IllegalStateException("activation " + this + " is not holomorphic: holomorphic EqProp needs "
                    + "sigmoid, logistic or tanh");
        }
        double gain = kind == Kind.SIGMOID ? 4.0 : 1.0;
        double center = kind == Kind.SIGMOID ? 0.5 : 0.0;
        for (int i = 0; i < re.length; i++) {
            double u = re[i];
            double v = im[i];
            double sRe;
            double sIm;
            if (kind == Kind.TANH) {
                double e = Math.exp(-2.0 * Math.abs(u));
                double den = 1.0 + e * e + 2.0 * e * Math.cos(2.0 * v);
                sRe = Math.signum(u) * (1.0 - e * e) / den;
                sIm = 2.0 * e * Math.sin(2.0 * v) / den;
            } else {
                double p = -gain * (u - center);
                double q = -gain * v;
                double m = Math.exp(-Math.abs(p));
                double c = Math.cos(q);
                double sn = Math.sin(q);
                // σ = num / (d + i e) = num (d − i e) / (d² + e²)
                double num = p > 0 ? m : 1.0;
                double d = p > 0 ? m + c : 1.0 + m * c;
                double e = p > 0 ? sn : m * sn;
                double k = num / (d * d + e * e);
                sRe = k * d;
                sIm = -k * e;
            }
            re[i] = sRe + leak * u;
            im[i] = sIm + leak * v;
        }
    }

    /** The range [lo, hi] of the states (without leak); the Euler dynamics clip to it. */
    public boolean isHardSigmoid() {
        return kind == Kind.HARD_SIGMOID && leak == 0f;
    }

    @Override
    public String toString() {
        return leak == 0f ? kind.cliName() : kind.cliName() + "+" + leak + "u";
    }
}
