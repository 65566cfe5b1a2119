package org.eqprop.bptt;

import org.eqprop.dynamics.EnergyChain;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Recurrent backpropagation (Almeida 1987, Pineda 1987; Scellier &amp; Bengio 2018): at the fixed point s* = σ(u(s*)),
 * the error derivatives are iterated with the Jacobian of the dynamics instead of being unrolled in time,
 * <pre>
 *   ē_0 = ∂C/∂s*,   ē_{t+1} = ∂C/∂s* + (∂u/∂s)ᵀ (σ'(u*) ⊙ ē_t),   ∂L/∂θ ≈ (∂u/∂θ)ᵀ (σ'(u*) ⊙ ē_K),
 * </pre>
 * with constant memory. ē_K is BPTT's gradient summed over K+1 steps spent at the fixed point, and (Scellier &amp;
 * Bengio 2018, Theorem 3) the EqProp nudged phase follows it: (s^β_{t+1} − s*)/β → −σ'(u*) ⊙ ē_t.
 */
public final class RecurrentBackprop {

    /** The gradient and, step by step, the error derivatives ē_0 .. ē_K (per layer). */
    public record Result(BpttGradient gradient, List<INDArray[]> errors) {
    }

    private RecurrentBackprop() {
    }

    /**
     * @param fixedPoint     the free fixed point s*
     * @param outputGradient ∂C/∂s_N at s*
     * @param iterations     K
     */
    public static Result run(EnergyChain chain, INDArray x, INDArray[] fixedPoint, INDArray outputGradient,
                             int iterations) {
        BackpropThroughTime.requireSupported(chain);
        int n = chain.depth();
        INDArray[] drives = new INDArray[n];
        chain.drives(chain.inputDrive(x), fixedPoint, drives);
        INDArray[] slope = new INDArray[n];
        INDArray[] c = new INDArray[n];
        for (int k = 0; k < n; k++) {
            slope[k] = chain.activation().derivative(drives[k]);
            c[k] = Nd4j.zeros(x.dataType(), fixedPoint[k].shape());
        }
        org.eqprop.layers.States.rows(c[n - 1]).addi(outputGradient.castTo(x.dataType()));
        List<INDArray[]> errors = new ArrayList<>();
        INDArray[] e = c;
        errors.add(e);
        for (int t = 0; t < iterations; t++) {
            INDArray[] propagated = BackpropThroughTime.stateVjp(chain, fixedPoint, times(slope, e));
            for (int k = 0; k < n; k++) {
                propagated[k].addi(c[k]);
            }
            e = propagated;
            errors.add(e);
        }
        INDArray[] delta = times(slope, e);
        INDArray[][] views = BackpropThroughTime.zeroViews(chain, x);
        BackpropThroughTime.parameterVjp(chain, x, fixedPoint, delta, views, true);
        INDArray inputGrad = Nd4j.zeros(x.dataType(), x.shape());
        chain.interaction(0).addUpwardVjp(x, delta[0], inputGrad);
        return new Result(new BpttGradient(views, inputGrad, List.of(), List.of()), errors);
    }

    private static INDArray[] times(INDArray[] a, INDArray[] b) {
        INDArray[] out = new INDArray[a.length];
        for (int k = 0; k < a.length; k++) {
            out[k] = a[k].mul(b[k]);
        }
        return out;
    }
}
