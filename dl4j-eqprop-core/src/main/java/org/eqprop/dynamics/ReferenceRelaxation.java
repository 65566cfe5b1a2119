package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.States;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The reference minimizer: one ND4J operation per interaction and layer per step, any data type, any
 * {@link org.eqprop.interactions.Interaction}, synchronous or alternating layer order. Slow on small layers (per-operation overhead) but it is the
 * definition the fast engines are tested against, and it runs in double precision.
 */
public final class ReferenceRelaxation implements RelaxationEngine {

    public static final ReferenceRelaxation INSTANCE = new ReferenceRelaxation();

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                             double beta, RelaxationControl control) {
        int n = chain.depth();
        INDArray[] s = new INDArray[n];
        for (int k = 0; k < n; k++) {
            s[k] = start[k].dup('c');
        }
        INDArray[] u = new INDArray[n];
        double residual = Double.NaN;
        int t = 0;
        boolean converged = !control.stopsEarly();
        try (Interaction.Held held = chain.holdParameters()) { // θ is fixed while the states relax
            while (t < control.maxSteps()) {
                t++;
                boolean measure = control.stopsEarly() || t == control.maxSteps();
                residual = 0;
                for (int parity : control.alternating() ? new int[]{0, 1} : new int[]{-1}) {
                    if (parity < 0) {
                        chain.drives(inputDrive, s, u);
                    } else {
                        chain.drives(inputDrive, s, u, parity);
                    }
                    if (force != null && u[n - 1] != null) {
                        force.addTo(States.rows(u[n - 1]), States.rows(s[n - 1]), beta);
                    }
                    for (int k = 0; k < n; k++) {
                        if (u[k] == null) {
                            continue;
                        }
                        INDArray next = chain.dynamics().step(s[k], u[k], chain.activation());
                        if (measure) {
                            residual = Math.max(residual,
                                    Transforms.abs(next.sub(s[k]), false).maxNumber().doubleValue());
                        }
                        // s_t and a drive not reused as s_{t+1} are ours: free them now rather than at the next GC
                        release(s[k], next);
                        release(u[k], next);
                        s[k] = next;
                    }
                }
                if (Double.isNaN(residual)) {
                    break;
                }
                if (control.stopsEarly() && residual <= control.tolerance()) {
                    converged = true;
                    break;
                }
            }
        }
        return Phases.checked(new Equilibrium(s, t, residual, converged), chain);
    }

    private static void release(INDArray old, INDArray kept) {
        if (old != kept && old.closeable()) {
            old.close();
        }
    }

    @Override
    public String name() {
        return "reference";
    }
}
