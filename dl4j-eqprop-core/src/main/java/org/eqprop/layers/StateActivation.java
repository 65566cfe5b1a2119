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
 *   <li>{@code sigmoid}: σ(u) = 1 / (1 + e^{−4(u − 1/2)}) (a smooth version of the hard sigmoid).</li>
 * </ul>
 * An optional leak λ adds λu (σ(u) + λu), which keeps gradients alive in saturated units. Every σ here is
 * monotone, so s = σ(∂Φ/∂s) is a stationary point of the energy E(s) = Σ∫σ⁻¹ − Φ(s) and the EqProp theorem
 * applies to its fixed points.
 */
public final class StateActivation {

    /** The activation's shape, with its command-line name. */
    public enum Kind {
        HARD_SIGMOID("hard-sigmoid"), HALF_HARD_SIGMOID("half-hard-sigmoid"), SIGMOID("sigmoid");

        private final String cliName;

        Kind(String cliName) {
            this.cliName = cliName;
        }

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
            default:
                s = (float) (1.0 / (1.0 + Math.exp(-4.0 * (u - 0.5))));
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
        INDArray leaked = leak == 0f ? null : u.mul(leak);
        switch (kind) {
            case HARD_SIGMOID:
                Transforms.min(Transforms.max(u, 0.0, false), 1.0, false);
                break;
            case HALF_HARD_SIGMOID:
                Transforms.min(Transforms.max(u.muli(0.5), 0.0, false), 1.0, false);
                break;
            default:
                Transforms.sigmoid(u.subi(0.5).muli(4.0), false);
        }
        return leaked == null ? u : u.addi(leaked);
    }

    /**
     * σ'(u) for a whole array (a new array): 1 on (0, 1) for the hard sigmoid, ½ on (0, 2) for the half-hard one
     * (0 at and beyond the kinks), 4σ(1 − σ) for the sigmoid; plus the leak λ. Used by backpropagation through time.
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
            default:
                INDArray s = Transforms.sigmoid(u.sub(0.5).muli(4.0), false);
                d = s.mul(s.rsub(1.0)).muli(4.0);
        }
        return leak == 0f ? d : d.addi(leak);
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
