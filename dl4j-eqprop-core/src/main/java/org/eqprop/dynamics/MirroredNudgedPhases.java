package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.function.DoubleFunction;

/**
 * The symmetric estimator's nudged phases with a warm start for the second one. The nudged fixed point is smooth in
 * β near 0, s^{±β} = s^0 ± β ds/dβ + (β²/2) d²s/dβ² + O(β³), so the reflection of the first phase's fixed point
 * through the free one,
 * <pre>  2 s^0 − s^{+β} = s^{−β} − β² d²s/dβ² + O(β³),</pre>
 * is first-order exact where s^0 is only zeroth-order: the −β phase started there reaches the same fixed point in
 * fewer steps (or, with a fixed budget K, gets closer to it). For a clipped σ the reflection is projected onto the
 * states' range [0, 1] (units held at a bound by the clip respond to β on one side only). The first phase asked for (either sign) starts from
 * s^0 as usual; the second, of the opposite sign and the same |β|, from the reflection of the first.
 */
public final class MirroredNudgedPhases implements DoubleFunction<Equilibrium> {

    private final EnergyChain chain;
    private final RelaxationEngine engine;
    private final INDArray inputDrive;
    private final Equilibrium free;
    private final NudgingForce force;
    private final RelaxationControl control;
    private double firstBeta = Double.NaN;
    private Equilibrium first;

    public MirroredNudgedPhases(EnergyChain chain, RelaxationEngine engine, INDArray inputDrive, Equilibrium free,
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
        Equilibrium e = first != null && firstBeta == -signedBeta
                ? engine.relax(chain, inputDrive, reflection(free.states(), first.states(), clipped()), force,
                signedBeta, control)
                : engine.relax(chain, inputDrive, free, force, signedBeta, control);
        if (first == null) {
            first = e;
            firstBeta = signedBeta;
        }
        return e;
    }

    /** True for σ = clip(a u, 0, 1) without leak: the states live in [0, 1]. */
    private boolean clipped() {
        StateActivation act = chain.activation();
        return act.isClipped() && act.leak() == 0;
    }

    /**
     * 2 s^0 − s^{β}, layer by layer (new arrays), projected onto [0, 1] for a clipped σ: a unit held at a bound by
     * the clip (s^0 = 0 nudged up to s^{+β} &gt; 0, say) stays at that bound for the opposite sign, where the
     * unprojected reflection would leave the range by as much as the first phase moved it.
     */
    static INDArray[] reflection(INDArray[] free, INDArray[] nudged, boolean clipped) {
        INDArray[] r = new INDArray[free.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = free[k].mul(2).subi(nudged[k]);
            if (clipped) {
                Transforms.min(Transforms.max(r[k], 0.0, false), 1.0, false);
            }
        }
        return r;
    }
}
