package org.eqprop.resistive;

/**
 * A {@link CircuitTopology} with its programmable conductances g ≥ 0 (G_m row-major [rows(m), columns(m)]), and the
 * circuit's physics: its co-content (the total pseudo-power of Lemma 4.1),
 * E(V) = Σ_m Σ_ij ½ G_m[i,j] (S_m,i − V_{m+1,j})² + Σ_hidden co-content of the diodes,
 * whose stationary point with the sources fixed is the steady state (KCL at every floating node), and the KCL
 * residual of a state computed edge by edge. The steady state itself is {@link SteadyStateSolver}'s.
 */
public final class ResistiveNetwork {

    private final CircuitTopology topology;
    private final double[][] g;
    /** a[m][j], m = 1..L+1: the total conductance node j of layer m sees (amplified ones counted c_m² times). */
    private final double[][] total;
    /** D_m[h, j] = G_m[h, j] − G_m[n_m + h, j]: the signed effective weight of the doubled sending voltages. */
    private final double[][] signed;
    /** c_m V_b (G_m[2n_m, j] − G_m[2n_m + 1, j]): the current the bias sources drive into node j of layer m+1. */
    private final double[][] biasDrive;

    /** @param conductances G_m for m = 0..L, each row-major [rows(m) * columns(m)], all finite and ≥ 0 */
    public ResistiveNetwork(CircuitTopology topology, double[][] conductances) {
        this(topology, conductances, true);
    }

    private ResistiveNetwork(CircuitTopology topology, double[][] conductances, boolean copy) {
        this.topology = topology;
        int crossbars = topology.crossbars();
        if (conductances == null || conductances.length != crossbars) {
            throw new IllegalArgumentException("ResistiveNetwork: expected " + crossbars + " conductance matrices, got "
                    + (conductances == null ? "null" : conductances.length));
        }
        g = new double[crossbars][];
        for (int m = 0; m < crossbars; m++) {
            int rows = topology.rows(m);
            int cols = topology.columns(m);
            if (conductances[m].length != rows * cols) {
                throw new IllegalArgumentException("ResistiveNetwork: G" + m + " must have " + rows + "x" + cols
                        + " entries, got " + conductances[m].length);
            }
            g[m] = copy ? conductances[m].clone() : conductances[m];
        }
        total = new double[topology.layers()][];
        signed = new double[crossbars][];
        biasDrive = new double[crossbars][];
        for (int m = 0; m < crossbars; m++) {
            int n = topology.size(m);
            int cols = topology.columns(m);
            double[] gm = g[m];
            double[] receiving = new double[cols];
            double[] d = new double[n * cols];
            double[] bias = new double[cols];
            double[] sendingTotal = new double[n];
            double c2 = topology.gain(m) * topology.gain(m);
            boolean valid = true;
            for (int i = 0; i < 2 * n + 2; i++) {
                int row = i * cols;
                for (int j = 0; j < cols; j++) {
                    double v = gm[row + j];
                    valid &= v >= 0 && v < Double.POSITIVE_INFINITY;
                    receiving[j] += v;
                }
            }
            if (!valid) {
                for (int i = 0; i < gm.length; i++) {
                    if (!(gm[i] >= 0) || !Double.isFinite(gm[i])) {
                        throw new IllegalArgumentException("ResistiveNetwork: conductance G" + m + "[" + i / cols + ","
                                + i % cols + "] = " + gm[i] + " must be finite and >= 0");
                    }
                }
            }
            for (int h = 0; h < n; h++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    double plus = gm[h * cols + j];
                    double minus = gm[(n + h) * cols + j];
                    d[h * cols + j] = plus - minus;
                    s += plus + minus;
                }
                sendingTotal[h] = c2 * s;
            }
            for (int j = 0; j < cols; j++) {
                bias[j] = topology.gain(m) * topology.biasVoltage() * (gm[2 * n * cols + j] - gm[(2 * n + 1) * cols + j]);
            }
            signed[m] = d;
            biasDrive[m] = bias;
            total[m + 1] = receiving;
            if (m > 0) {
                for (int h = 0; h < n; h++) {
                    total[m][h] += sendingTotal[h];
                }
            }
        }
        for (int m = 1; m < topology.layers(); m++) {
            for (int j = 0; j < total[m].length; j++) {
                if (!(total[m][j] > 0)) {
                    throw new IllegalArgumentException("ResistiveNetwork: node " + j + " of layer " + m
                            + " is floating (total conductance 0)");
                }
            }
        }
    }

    /** The network whose crossbars G_0, G_1, ... are stored one after the other (row-major) in {@code flat}. */
    public static ResistiveNetwork fromFlat(CircuitTopology topology, double[] flat) {
        if (flat.length != topology.conductances()) {
            throw new IllegalArgumentException("ResistiveNetwork: expected " + topology.conductances()
                    + " conductances, got " + flat.length);
        }
        double[][] g = new double[topology.crossbars()][];
        int offset = 0;
        for (int m = 0; m < g.length; m++) {
            g[m] = java.util.Arrays.copyOfRange(flat, offset, offset + topology.rows(m) * topology.columns(m));
            offset += g[m].length;
        }
        return new ResistiveNetwork(topology, g, false);
    }

    public CircuitTopology topology() {
        return topology;
    }

    /** A copy of G_m (row-major). */
    public double[] conductances(int m) {
        return g[m].clone();
    }

    /** G_m[i, j]. */
    public double conductance(int m, int i, int j) {
        return g[m][i * topology.columns(m) + j];
    }

    /** The network with G_m[i, j] replaced (for finite differences). */
    public ResistiveNetwork with(int m, int i, int j, double value) {
        double[][] copy = new double[g.length][];
        for (int k = 0; k < g.length; k++) {
            copy[k] = g[k].clone();
        }
        copy[m][i * topology.columns(m) + j] = value;
        return new ResistiveNetwork(topology, copy);
    }

    /** A_j: the total conductance node j of layer m ≥ 1 sees. */
    public double total(int m, int j) {
        return total[m][j];
    }

    /**
     * Σ_i G_m[i, j] S_m,i for every node j of layer m+1: the current layer m's sending voltages drive into it at 0 V,
     * = c_m Σ_h D_m[h, j] v_h + bias drive (zero voltages skipped: most MNIST pixels).
     */
    void drive(int m, double[] v, double[] into) {
        int cols = topology.columns(m);
        double c = topology.gain(m);
        double[] d = signed[m];
        System.arraycopy(biasDrive[m], 0, into, 0, cols);
        for (int h = 0; h < v.length; h++) {
            double x = c * v[h];
            if (x == 0) {
                continue;
            }
            int row = h * cols;
            for (int j = 0; j < cols; j++) {
                into[j] += x * d[row + j];
            }
        }
    }

    /** Adds c_m Σ_l D_m[j, l] V_{m+1,l} (the amplifiers' backward currents) to {@code into} for layer m ≥ 1. */
    void addFeedback(int m, double[] above, double[] into) {
        int cols = topology.columns(m);
        double c = topology.gain(m);
        double[] d = signed[m];
        for (int h = 0; h < into.length; h++) {
            int row = h * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += d[row + j] * above[j];
            }
            into[h] += c * s;
        }
    }

    /** The co-content E(V) of one example's state v[m] (m = 0: the inputs), Lemma 4.1. */
    public double coContent(double[][] v) {
        double e = 0;
        for (int m = 0; m < topology.crossbars(); m++) {
            double[] s = topology.sending(m, v[m]);
            double[] next = v[m + 1];
            int cols = next.length;
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < cols; j++) {
                    double drop = s[i] - next[j];
                    e += 0.5 * g[m][i * cols + j] * drop * drop;
                }
            }
        }
        for (int m = 1; m <= topology.hidden().length; m++) {
            for (double x : v[m]) {
                e += topology.diode().coContent(x);
            }
        }
        return e;
    }

    /**
     * The largest KCL violation (amperes) over the floating nodes of one example's state v, with the nudging currents
     * of eq. 4.16 at the outputs (y may be null when β = 0): every resistor's and amplifier's current summed edge by
     * edge, independently of the solver; ideal diodes are judged by {@link Diode#kclViolation}.
     */
    public double kclResidual(double[][] v, double[] y, double beta) {
        int last = topology.layers() - 1;
        double worst = 0;
        double[][] s = new double[topology.crossbars()][];
        for (int m = 0; m < s.length; m++) {
            s[m] = topology.sending(m, v[m]);
        }
        for (int m = 1; m <= last; m++) {
            double[] vm = v[m];
            int n = vm.length;
            int colsIn = n;
            for (int j = 0; j < n; j++) {
                double drawn = 0;
                double[] below = s[m - 1];
                for (int i = 0; i < below.length; i++) {
                    drawn += g[m - 1][i * colsIn + j] * (vm[j] - below[i]);
                }
                if (m < last) {
                    double c = topology.gain(m);
                    int cols = topology.columns(m);
                    double[] above = v[m + 1];
                    for (int l = 0; l < cols; l++) {
                        drawn += c * g[m][j * cols + l] * (c * vm[j] - above[l]);
                        drawn -= c * g[m][(n + j) * cols + l] * (-c * vm[j] - above[l]);
                    }
                    worst = Math.max(worst, topology.diode().kclViolation(vm[j], drawn));
                } else {
                    worst = Math.max(worst, Math.abs(drawn - PairedSquaredError.injected(vm, y, beta, j)));
                }
            }
        }
        return worst;
    }
}
