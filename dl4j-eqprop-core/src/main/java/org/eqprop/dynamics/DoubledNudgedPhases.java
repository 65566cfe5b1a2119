package org.eqprop.dynamics;

import org.eqprop.costs.DoubledForce;
import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.function.DoubleFunction;

/**
 * The nudged phases s^{+β} and s^{−β} of the symmetric estimator computed together: one relaxation of the batch
 * stacked twice, the first copy nudged with +β and the second with −β ({@link DoubledForce}). The products are twice
 * as large and the per-step overheads are paid once. Asked for +β it relaxes both and keeps the −β half for the next
 * request (and the other way round).
 */
public final class DoubledNudgedPhases implements DoubleFunction<Equilibrium> {

    private final EnergyChain chain;
    private final RelaxationEngine engine;
    private final INDArray inputDrive;
    private final Equilibrium free;
    private final NudgingForce force;
    private final RelaxationControl control;
    private double pendingBeta = Double.NaN;
    private Equilibrium pending;

    public DoubledNudgedPhases(EnergyChain chain, RelaxationEngine engine, INDArray inputDrive, Equilibrium free,
                               NudgingForce force, RelaxationControl control) {
        this.chain = chain;
        this.engine = engine;
        this.inputDrive = inputDrive;
        this.free = free;
        this.force = force;
        this.control = control;
    }

    @Override
    public Equilibrium apply(double signedBeta) {
        if (pending != null && pendingBeta == signedBeta) {
            Equilibrium e = pending;
            pending = null;
            return e;
        }
        long n = inputDrive.size(0);
        INDArray[] start = new INDArray[free.states().length];
        for (int k = 0; k < start.length; k++) {
            start[k] = Nd4j.concat(0, free.states()[k], free.states()[k]);
        }
        Equilibrium both = engine.relax(chain, Nd4j.concat(0, inputDrive, inputDrive), start,
                new DoubledForce(force, n), Math.abs(signedBeta), control);
        Equilibrium plus = half(both, 0, n);
        Equilibrium minus = half(both, n, n);
        pendingBeta = -signedBeta;
        pending = signedBeta > 0 ? minus : plus;
        return signedBeta > 0 ? plus : minus;
    }

    private static Equilibrium half(Equilibrium e, long from, long n) {
        INDArray[] s = new INDArray[e.states().length];
        for (int k = 0; k < s.length; k++) {
            INDArray a = e.states()[k];
            INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
            idx[0] = NDArrayIndex.interval(from, from + n);
            for (int d = 1; d < idx.length; d++) {
                idx[d] = NDArrayIndex.all();
            }
            s[k] = a.get(idx).dup('c');
        }
        return new Equilibrium(s, e.steps(), e.residual(), e.converged());
    }
}
