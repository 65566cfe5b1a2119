package org.eqprop.resistive;

/**
 * Running statistics of the steady-state computations of a resistive layer: mean block coordinate descent sweeps
 * per example in the free and nudged phases, examples that hit the sweep cap, and the largest KCL residual seen
 * (amperes; checked edge by edge on the first example of one batch in {@code every}, in every phase).
 */
public final class SolverStats {

    private long freeExamples;
    private long freeSweeps;
    private long nudgedExamples;
    private long nudgedSweeps;
    private long nonConverged;
    private double maxKclResidual;
    private final int every;
    private long batches;

    /** @param every check the KCL residual on one batch in {@code every} (1: all) */
    public SolverStats(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("SolverStats: every must be >= 1, got " + every);
        }
        this.every = every;
    }

    public synchronized void free(SteadyState s) {
        batches++;
        freeExamples += s.batchSize();
        freeSweeps += s.totalSweeps();
        nonConverged += s.nonConverged();
    }

    public synchronized void nudged(SteadyState s) {
        nudgedExamples += s.batchSize();
        nudgedSweeps += s.totalSweeps();
        nonConverged += s.nonConverged();
    }

    /** Records the KCL residual of the first example of {@code s}. */
    public synchronized void residual(ResistiveNetwork net, SteadyState s) {
        if (s.batchSize() > 0 && (batches - 1) % every == 0) {
            double r = net.kclResidual(s.voltages()[0], s.targets() == null ? null : s.targets()[0], s.beta());
            maxKclResidual = Math.max(maxKclResidual, r);
        }
    }

    public synchronized double meanFreeSweeps() {
        return freeExamples == 0 ? 0 : (double) freeSweeps / freeExamples;
    }

    public synchronized double meanNudgedSweeps() {
        return nudgedExamples == 0 ? 0 : (double) nudgedSweeps / nudgedExamples;
    }

    public synchronized long nonConverged() {
        return nonConverged;
    }

    public synchronized double maxKclResidual() {
        return maxKclResidual;
    }

    public synchronized void reset() {
        freeExamples = 0;
        freeSweeps = 0;
        nudgedExamples = 0;
        nudgedSweeps = 0;
        nonConverged = 0;
        maxKclResidual = 0;
    }

    @Override
    public synchronized String toString() {
        return String.format(java.util.Locale.ROOT, "SolverStats{%.2f sweeps per free phase, %.2f per nudged phase, "
                + "non-converged %d, max KCL residual %.3g A}", meanFreeSweeps(), meanNudgedSweeps(), nonConverged(),
                maxKclResidual());
    }
}
