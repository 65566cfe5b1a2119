package org.eqprop.resistive;

/**
 * Block coordinate descent on the co-content (Scellier et al. 2024, "A fast algorithm to simulate nonlinear resistive
 * networks"): the nodes of one layer are not connected to each other, so with its neighbouring layers held fixed each
 * layer's KCL equations decouple and are solved exactly in closed form — hidden nodes by {@link Diode#relax}, the
 * output pairs with their nudging currents by {@link PairedSquaredError#relax}. Layers are swept 1, 2, ..., L+1
 * until no voltage moves by more than {@code tolerance} volts (or {@code maxSweeps}); each sweep lowers the
 * (convex, for β ≥ 0) co-content, so it converges to the steady state.
 *
 * <p>With a temperature T &gt; 0 the nodes carry thermal (device) noise, the state noise of Langevin EqProp: after its
 * exact update each node voltage gets a Gaussian kick of variance T / A_j, A_j its total conductance (the conditional
 * spread of e^{−P/T} for the co-content P of the node's linear part; the diodes clip nothing afterwards). The solver
 * then runs {@code burnIn} sweeps and, for {@link #nudgedSamples}, a sample after each of the next sweeps.
 */
public final class SteadyStateSolver implements org.eqprop.util.RandomState.OneStream {

    private final double tolerance;
    private final int maxSweeps;
    private final double temperature;
    private final int burnIn;
    private final org.eqprop.util.ResumableRandom random;

    public SteadyStateSolver(double tolerance, int maxSweeps) {
        this(tolerance, maxSweeps, 0, 0, 0);
    }

    /**
     * @param temperature T ≥ 0 of the node noise (in the units of the co-content: volts² · siemens)
     * @param burnIn      with T &gt; 0: sweeps of each phase before its state is taken
     * @param seed        the noise's seed
     */
    public SteadyStateSolver(double tolerance, int maxSweeps, double temperature, int burnIn, long seed) {
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("SteadyStateSolver: temperature must be finite and >= 0, got "
                    + temperature);
        }
        if (temperature > 0 && burnIn < 1) {
            throw new IllegalArgumentException("SteadyStateSolver: a noisy circuit needs burnIn >= 1 sweeps, got "
                    + burnIn);
        }
        this.temperature = temperature;
        this.burnIn = burnIn;
        this.random = new org.eqprop.util.ResumableRandom(seed);
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("SteadyStateSolver: tolerance must be finite and >= 0, got "
                    + tolerance);
        }
        if (maxSweeps < 1) {
            throw new IllegalArgumentException("SteadyStateSolver: maxSweeps must be >= 1, got " + maxSweeps);
        }
        this.tolerance = tolerance;
        this.maxSweeps = maxSweeps;
    }

    @Override
    public org.eqprop.util.ResumableRandom stream() {
        return random;
    }

    /** The node noise's temperature (0: a noise-free circuit). */
    public double temperature() {
        return temperature;
    }

    /** The free steady state (β = 0) of each input row x[b], from all floating nodes at 0 V. */
    public SteadyState free(ResistiveNetwork net, double[][] x) {
        CircuitTopology t = net.topology();
        double[][][] v = new double[x.length][][];
        for (int b = 0; b < x.length; b++) {
            if (x[b].length != t.inputs()) {
                throw new IllegalArgumentException("input row " + b + " has " + x[b].length + " values, the circuit "
                        + t.inputs() + " input sources");
            }
            v[b] = new double[t.layers()][];
            v[b][0] = x[b].clone();
            for (int j = 0; j < x[b].length; j++) {
                if (!Double.isFinite(x[b][j])) {
                    throw new IllegalArgumentException("input [" + b + "," + j + "] = " + x[b][j] + " is not finite");
                }
            }
            for (int m = 1; m < t.layers(); m++) {
                v[b][m] = new double[t.size(m)];
            }
        }
        return relax(net, v, null, 0);
    }

    /** The steady state with nudging currents −β ∂C/∂Ŷ (eq. 4.16) toward targets y, started from {@code start}. */
    public SteadyState nudged(ResistiveNetwork net, SteadyState start, double[][] y, double beta) {
        if (!Double.isFinite(beta)) {
            throw new IllegalArgumentException("nudging beta must be finite, got " + beta);
        }
        if (y == null || y.length != start.batchSize()) {
            throw new IllegalArgumentException("need one target row per example (" + start.batchSize() + "), got "
                    + (y == null ? "null" : y.length));
        }
        int k = net.topology().classes();
        for (int b = 0; b < y.length; b++) {
            if (y[b].length != k) {
                throw new IllegalArgumentException("target row " + b + " has " + y[b].length + " values, the circuit "
                        + k + " output pairs");
            }
        }
        double[][][] v = new double[start.batchSize()][][];
        for (int b = 0; b < v.length; b++) {
            v[b] = new double[start.voltages()[b].length][];
            for (int m = 0; m < v[b].length; m++) {
                v[b][m] = start.voltages()[b][m].clone();
            }
        }
        return relax(net, v, y, beta);
    }

    /**
     * With node noise: the nudged phase from {@code start} (its burn-in), then {@code samples} states one sweep apart,
     * whose average update Langevin EqProp uses. Without noise: the steady state, {@code samples} times.
     */
    public java.util.List<SteadyState> nudgedSamples(ResistiveNetwork net, SteadyState start, double[][] y,
                                                     double beta, int samples) {
        java.util.List<SteadyState> out = new java.util.ArrayList<>();
        SteadyState s = nudged(net, start, y, beta);
        out.add(s);
        for (int j = 1; j < samples; j++) {
            s = temperature > 0 ? sweeps(net, copy(s.voltages()), y, beta, 1) : s;
            out.add(s);
        }
        return out;
    }

    private static double[][][] copy(double[][][] v) {
        double[][][] c = new double[v.length][][];
        for (int b = 0; b < v.length; b++) {
            c[b] = new double[v[b].length][];
            for (int m = 0; m < v[b].length; m++) {
                c[b][m] = v[b][m].clone();
            }
        }
        return c;
    }

    private SteadyState relax(ResistiveNetwork net, double[][][] v, double[][] y, double beta) {
        return temperature > 0 ? sweeps(net, v, y, beta, burnIn) : sweeps(net, v, y, beta, -1);
    }

    /** {@code count} sweeps with noise, or (count &lt; 0) noise-free sweeps to the tolerance. */
    private SteadyState sweeps(ResistiveNetwork net, double[][][] v, double[][] y, double beta, int count) {
        CircuitTopology t = net.topology();
        int last = t.layers() - 1;
        double[][] a = new double[t.layers()][];
        for (int m = 1; m <= last; m++) {
            a[m] = new double[t.size(m)];
            for (int j = 0; j < a[m].length; j++) {
                a[m][j] = net.total(m, j);
            }
        }
        double[][] b = new double[t.layers()][];
        for (int m = 1; m <= last; m++) {
            b[m] = new double[t.size(m)];
        }
        double[] inputDrive = new double[t.size(1)];
        long total = 0;
        int worst = 0;
        int nonConverged = 0;
        for (int e = 0; e < v.length; e++) {
            double[][] ve = v[e];
            net.drive(0, ve[0], inputDrive);
            int sweeps = 0;
            double change = Double.POSITIVE_INFINITY;
            boolean noisy = count >= 0;
            java.util.SplittableRandom r;
            synchronized (random) {
                r = random.split();
            }
            while (noisy ? sweeps < count : change > tolerance && sweeps < maxSweeps) {
                change = 0;
                for (int m = 1; m <= last; m++) {
                    if (m == 1) {
                        System.arraycopy(inputDrive, 0, b[1], 0, inputDrive.length);
                    } else {
                        net.drive(m - 1, ve[m - 1], b[m]);
                    }
                    if (m < last) {
                        net.addFeedback(m, ve[m + 1], b[m]);
                        double[] vm = ve[m];
                        for (int j = 0; j < vm.length; j++) {
                            double next = t.diode().relax(a[m][j], b[m][j]);
                            change = Math.max(change, Math.abs(next - vm[j]));
                            vm[j] = next;
                        }
                    } else {
                        change = Math.max(change, PairedSquaredError.relax(a[m], b[m], y == null ? null : y[e], beta,
                                ve[m]));
                    }
                    if (noisy) {
                        double[] vm = ve[m];
                        for (int j = 0; j < vm.length; j++) {
                            vm[j] += Math.sqrt(temperature / a[m][j]) * r.nextGaussian();
                        }
                    }
                }
                sweeps++;
            }
            if (count < 0 && change > tolerance) {
                nonConverged++;
            }
            total += sweeps;
            worst = Math.max(worst, sweeps);
        }
        return new SteadyState(v, beta, y, worst, total, nonConverged);
    }
}
