package org.eqprop.resistive;

/**
 * The node voltages of a batch at a steady state: {@code voltages[b][m]} for example b and layer m (m = 0: the
 * inputs, L+1: the 2K outputs), the nudging β and targets it was computed with, and how the solver got there.
 */
public record SteadyState(double[][][] voltages, double beta, double[][] targets, int maxSweeps, long totalSweeps,
                          int nonConverged) {

    public int batchSize() {
        return voltages.length;
    }

    /** The output voltages (Ŷ⁺, Ŷ⁻) of example b. */
    public double[] outputs(int b) {
        double[][] v = voltages[b];
        return v[v.length - 1];
    }

    /** Ŷ⁺ − Ŷ⁻ of example b (eq. 4.14's argument). */
    public double[] prediction(int b) {
        return PairedSquaredError.difference(outputs(b));
    }

    /** Σ_b C (eq. 4.15) against the given targets. */
    public double cost(double[][] y) {
        double c = 0;
        for (int b = 0; b < voltages.length; b++) {
            c += PairedSquaredError.cost(outputs(b), y[b]);
        }
        return c;
    }

    /** The largest KCL violation over the batch (see {@link ResistiveNetwork#kclResidual}). */
    public double kclResidual(ResistiveNetwork network) {
        double worst = 0;
        for (int b = 0; b < voltages.length; b++) {
            worst = Math.max(worst, network.kclResidual(voltages[b], targets == null ? null : targets[b], beta));
        }
        return worst;
    }

    /** Mean sweeps per example. */
    public double meanSweeps() {
        return voltages.length == 0 ? 0 : (double) totalSweeps / voltages.length;
    }
}
