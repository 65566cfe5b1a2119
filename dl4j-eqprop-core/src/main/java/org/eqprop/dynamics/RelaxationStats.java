package org.eqprop.dynamics;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of an EqProp block's relaxations: phases run, steps used, phases that missed their tolerance. */
public final class RelaxationStats {

    private final AtomicLong freePhases = new AtomicLong();
    private final AtomicLong freeSteps = new AtomicLong();
    private final AtomicLong nudgedPhases = new AtomicLong();
    private final AtomicLong nudgedSteps = new AtomicLong();
    private final AtomicLong nonConverged = new AtomicLong();
    private volatile double lastFreeResidual = Double.NaN;

    public void record(PhaseReport r) {
        if ("free".equals(r.phase())) {
            freePhases.incrementAndGet();
            freeSteps.addAndGet(r.steps());
            lastFreeResidual = r.residual();
        } else {
            nudgedPhases.incrementAndGet();
            nudgedSteps.addAndGet(r.steps());
        }
        if (!r.converged()) {
            nonConverged.incrementAndGet();
        }
    }

    public long freePhases() {
        return freePhases.get();
    }

    public long nudgedPhases() {
        return nudgedPhases.get();
    }

    /** Relaxation steps run in all phases so far. */
    public long totalSteps() {
        return freeSteps.get() + nudgedSteps.get();
    }

    public double meanFreeSteps() {
        return freePhases.get() == 0 ? 0 : (double) freeSteps.get() / freePhases.get();
    }

    public double meanNudgedSteps() {
        return nudgedPhases.get() == 0 ? 0 : (double) nudgedSteps.get() / nudgedPhases.get();
    }

    /** Phases that stopped on their step budget with the residual still above the tolerance. */
    public long nonConverged() {
        return nonConverged.get();
    }

    public double lastFreeResidual() {
        return lastFreeResidual;
    }
}
