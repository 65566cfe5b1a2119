package org.eqprop.resistive;

/**
 * Theorem 4.2 of the Scellier thesis: the loss gradient with respect to each conductance from the voltage drops
 * ΔV_ij = S_i − V_j across it alone, ∂L/∂g_ij ≈ ((ΔV_ij^{+β})² − (ΔV_ij^{−β})²)/(4β), summed over the batch
 * (the co-content's ∂E/∂g_ij = ½ ΔV_ij², so this is the symmetric EqProp estimator, exact as β → 0). The difference of
 * squares is evaluated as (ΔV⁺ − ΔV⁻)(ΔV⁺ + ΔV⁻) so that small β loses no precision.
 */
public final class ConductanceGradient {

    private ConductanceGradient() {
    }

    /** ∂L/∂G_m for every crossbar m (row-major like the conductances), summed over the examples. */
    public static double[][] estimate(CircuitTopology t, SteadyState plus, SteadyState minus) {
        double beta = plus.beta();
        if (!(beta > 0) || minus.beta() != -beta) {
            throw new IllegalArgumentException("Theorem 4.2 needs steady states at +beta and -beta with beta > 0, got "
                    + plus.beta() + " and " + minus.beta());
        }
        if (plus.batchSize() != minus.batchSize()) {
            throw new IllegalArgumentException("steady states of different batches: " + plus.batchSize() + " vs "
                    + minus.batchSize());
        }
        double[][] grad = new double[t.crossbars()][];
        for (int m = 0; m < t.crossbars(); m++) {
            grad[m] = new double[t.rows(m) * t.columns(m)];
        }
        double scale = 1 / (4 * beta);
        int inputCols = t.columns(0);
        double[] common = new double[inputCols];
        for (int b = 0; b < plus.batchSize(); b++) {
            double[][] vp = plus.voltages()[b];
            double[][] vn = minus.voltages()[b];
            sources(t.sending(0, vp[0]), vp[1], vn[1], scale, grad[0], common);
            for (int m = 1; m < t.crossbars(); m++) {
                drops(t.sending(m, vp[m]), t.sending(m, vn[m]), vp[m + 1], vn[m + 1], scale, grad[m]);
            }
        }
        for (int i = 0; i < t.rows(0); i++) {
            for (int j = 0; j < inputCols; j++) {
                grad[0][i * inputCols + j] += common[j];
            }
        }
        return grad;
    }

    /**
     * Crossbar 0, whose sending voltages S_i are sources (the same in both phases): (ΔV⁺ − ΔV⁻)(ΔV⁺ + ΔV⁻) =
     * 2 S_i (V⁻_j − V⁺_j) − (V⁻_j − V⁺_j)(V⁺_j + V⁻_j); the second term is the same for every row, so it is summed
     * into {@code common} and rows with S_i = 0 are skipped.
     */
    private static void sources(double[] s, double[] vp, double[] vn, double scale, double[] grad, double[] common) {
        int cols = vp.length;
        double[] dv = new double[cols];
        for (int j = 0; j < cols; j++) {
            dv[j] = (vn[j] - vp[j]) * scale;
            common[j] -= dv[j] * (vp[j] + vn[j]);
        }
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                continue;
            }
            double s2 = 2 * s[i];
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                grad[row + j] += s2 * dv[j];
            }
        }
    }

    /** Any crossbar: scale (ΔV⁺ − ΔV⁻)(ΔV⁺ + ΔV⁻) with ΔV = S_i − V_j, edge by edge. */
    private static void drops(double[] sp, double[] sn, double[] vp, double[] vn, double scale, double[] grad) {
        int cols = vp.length;
        for (int i = 0; i < sp.length; i++) {
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                double dp = sp[i] - vp[j];
                double dn = sn[i] - vn[j];
                grad[row + j] += scale * (dp - dn) * (dp + dn);
            }
        }
    }
}
