package org.eqprop.resistive;

/**
 * The cost of the thesis eq. 4.15 on the output node pairs, C = ½ Σ_k (Ŷ⁺_k − Ŷ⁻_k − Y_k)², and the output block
 * of the nudged steady state: the nudging currents I_k = −β ∂C/∂Ŷ_k (eq. 4.16) injected into the output nodes,
 * i.e. −β (Ŷ⁺_k − Ŷ⁻_k − Y_k) into Ŷ⁺_k and +β (Ŷ⁺_k − Ŷ⁻_k − Y_k) into Ŷ⁻_k.
 */
public final class PairedSquaredError {

    private PairedSquaredError() {
    }

    /** The prediction vector Ŷ⁺ − Ŷ⁻ (eq. 4.14 takes its argmax) of the 2K output voltages. */
    public static double[] difference(double[] out) {
        int k = out.length / 2;
        double[] d = new double[k];
        for (int i = 0; i < k; i++) {
            d[i] = out[i] - out[k + i];
        }
        return d;
    }

    /** C of eq. 4.15 for one example. */
    public static double cost(double[] out, double[] y) {
        double[] d = difference(out);
        if (y.length != d.length) {
            throw new IllegalArgumentException("target has " + y.length + " entries, the circuit " + d.length
                    + " output pairs");
        }
        double c = 0;
        for (int i = 0; i < d.length; i++) {
            c += 0.5 * (d[i] - y[i]) * (d[i] - y[i]);
        }
        return c;
    }

    /** The current injected into output node j (0 ≤ j &lt; 2K) at nudging β: −β ∂C/∂Ŷ_j (eq. 4.16). */
    public static double injected(double[] out, double[] y, double beta, int j) {
        if (beta == 0) {
            return 0;
        }
        int k = out.length / 2;
        int pair = j % k;
        double e = out[pair] - out[k + pair] - y[pair];
        return j < k ? -beta * e : beta * e;
    }

    /**
     * Solves the output block exactly: each pair (Ŷ⁺, Ŷ⁻) minimises ½A⁺Ŷ⁺² − B⁺Ŷ⁺ + ½A⁻Ŷ⁻² − B⁻Ŷ⁻ + β C (A: a node's
     * total conductance, B: the current its neighbours drive into it at 0 V). With r = 1/A⁺ + 1/A⁻ the difference
     * is d = (B⁺/A⁺ − B⁻/A⁻ + β r Y)/(1 + β r), then Ŷ⁺ = (B⁺ − β(d − Y))/A⁺ and Ŷ⁻ = (B⁻ + β(d − Y))/A⁻.
     *
     * @param y the targets, or null when β = 0 (free phase)
     * @return the largest change of an output voltage
     */
    public static double relax(double[] a, double[] b, double[] y, double beta, double[] out) {
        int k = out.length / 2;
        double change = 0;
        for (int i = 0; i < k; i++) {
            double ap = a[i];
            double am = a[k + i];
            double plus;
            double minus;
            if (beta == 0) {
                plus = b[i] / ap;
                minus = b[k + i] / am;
            } else {
                double r = 1 / ap + 1 / am;
                if (!(1 + beta * r > 0)) {
                    throw new IllegalStateException("nudging beta=" + beta + " makes the co-content of output pair "
                            + i + " non-convex (1 + beta (1/A+ + 1/A-) = " + (1 + beta * r) + " <= 0); use a smaller |beta|");
                }
                double d = (b[i] / ap - b[k + i] / am + beta * r * y[i]) / (1 + beta * r);
                double e = d - y[i];
                plus = (b[i] - beta * e) / ap;
                minus = (b[k + i] + beta * e) / am;
            }
            change = Math.max(change, Math.max(Math.abs(plus - out[i]), Math.abs(minus - out[k + i])));
            out[i] = plus;
            out[k + i] = minus;
        }
        return change;
    }
}
