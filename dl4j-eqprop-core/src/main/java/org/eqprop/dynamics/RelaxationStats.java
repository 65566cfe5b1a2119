package org.eqprop.dynamics;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of an EqProp block's relaxations: mean steps per phase, phases that missed their tolerance. */
public final class RelaxationStats {

    private final AtomicLong freePhases = new AtomicLong();
    private final AtomicLong freeSteps = new AtomicLong();
    private final AtomicLong nudgedPhases = new AtomicLong();
    private final AtomicLong nudgedSteps = new AtomicLong();
    private final AtomicLong nonConverged = new AtomicLong();
    private final AtomicLong peakStateBytes = new AtomicLong();
    private final AtomicLong blockNanos = new AtomicLong();

    public void record(PhaseReport r) {
        if ("free".equals(r.phase())) {
            freePhases.incrementAndGet();
            freeSteps.addAndGet(r.steps());
        } else {
            nudgedPhases.incrementAndGet();
            nudgedSteps.addAndGet(r.steps());
        }
        if (!r.converged()) {
            nonConverged.incrementAndGet();
        }
    }

    public double meanFreeSteps() {
        return freePhases.get() == 0 ? 0 : (double) freeSteps.get() / freePhases.get();
    }

    public double meanNudgedSteps() {
        return nudgedPhases.get() == 0 ? 0 : (double) nudgedSteps.get() / nudgedPhases.get();
    }

    /** Notes the bytes of relaxation state held at once (states kept for the gradient, a BPTT trajectory). */
    public void recordStateBytes(long bytes) {
        peakStateBytes.accumulateAndGet(bytes, Math::max);
    }

    /**
     * The most bytes of relaxation state held at once: for EqProp the free and nudged states (constant in T), for BPTT
     * the trajectory (linear in the steps it backpropagates through).
     */
    public long peakStateBytes() {
        return peakStateBytes.get();
    }

    /** Adds the wall-clock time of one forward or backward call of the block. */
    public void recordBlockNanos(long nanos) {
        blockNanos.addAndGet(nanos);
    }

    /**
     * Nanoseconds spent inside the block's forward and backward calls so far (its input checks, free and nudged
     * phases and gradient; not DL4J's loss layer, updater or fit loop around it): what {@code bench} reports as the
     * block's share of an iteration.
     */
    public long blockNanos() {
        return blockNanos.get();
    }

    /** Phases that stopped on their step budget with the residual still above the tolerance. */
    public long nonConverged() {
        return nonConverged.get();
    }

    /**
     * True for the counts 1, 10, 100, …: the non-converged phases a block logs, so that a long run whose phases often
     * end on their step budget (a preset's tolerance with the paper's T and K) logs a few lines, not one per thousand.
     */
    public static boolean logsAt(long count) {
        long n = count;
        while (n >= 10 && n % 10 == 0) {
            n /= 10;
        }
        return n == 1;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "RelaxationStats{free phases %d (%.1f steps each), nudged phases %d "
                        + "(%.1f steps each), non-converged %d, peak state %.3f MB}", freePhases.get(), meanFreeSteps(),
                nudgedPhases.get(), meanNudgedSteps(), nonConverged(), peakStateBytes() / 1e6);
    }
}
