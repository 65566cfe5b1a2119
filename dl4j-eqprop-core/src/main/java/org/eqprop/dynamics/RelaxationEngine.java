package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Supplier;

/**
 * The minimizer: runs one phase of the relaxation s_{t+1} = rule(s_t, ∂Φ/∂s(s_t) − β ∂C/∂s(s_t)) from a start state
 * until the step budget or the tolerance ends it.
 */
public interface RelaxationEngine {

    /**
     * @param chain       the relaxing system
     * @param inputDrive  ∂Φ_1/∂s_1(x), from {@link EnergyChain#inputDrive}
     * @param start       initial states (not modified)
     * @param force       the nudging force −∂C/∂s_N (null for the free phase)
     * @param beta        the nudging strength β (ignored when force is null)
     * @param control     step budget and tolerance
     */
    Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force, double beta,
                      RelaxationControl control);

    /**
     * A phase that starts from an equilibrium this engine (or another) returned, as {@link #relax} from
     * {@code from.states()}. An engine that left the states of {@code from} in its own layout
     * ({@link Equilibrium#location}) starts from them there, without a round trip through host arrays.
     */
    default Equilibrium relax(EnergyChain chain, INDArray inputDrive, Equilibrium from, NudgingForce force,
                              double beta, RelaxationControl control) {
        return relax(chain, inputDrive, from.states(), force, beta, control);
    }

    /**
     * The free phase from zero states for the input x (β = 0): {@link #relax} with {@code inputDrive.get()} (∂Φ_1/∂s_1
     * at x, {@link EnergyChain#inputDrive}) and {@link EnergyChain#zeroStates}. An engine that forms the drive itself,
     * in its own layout, need not ask for it; the caller's supplier then makes the host array only if someone else
     * wants it.
     */
    default Equilibrium relaxFree(EnergyChain chain, INDArray x, Supplier<INDArray> inputDrive,
                                  RelaxationControl control) {
        return relax(chain, inputDrive.get(), chain.zeroStates(x.size(0), x.dataType()), null, 0, control);
    }

    /**
     * A phase from an equilibrium relaxed with the same input as this one: {@link #relax(EnergyChain, INDArray,
     * Equilibrium, NudgingForce, double, RelaxationControl)} with {@code inputDrive.get()}. An engine that still holds
     * the drive of {@code from} in its own layout reuses it without asking for the host array.
     */
    default Equilibrium relaxSameInput(EnergyChain chain, Supplier<INDArray> inputDrive, Equilibrium from,
                                       NudgingForce force, double beta, RelaxationControl control) {
        return relax(chain, inputDrive.get(), from, force, beta, control);
    }

    /** A short name for logs and benchmarks. */
    String name();

    /**
     * True when this engine runs phases of this chain with this force (null: the free phase) in this data type; the
     * engine choice asks it instead of deciding from the engine's class. The reference engine runs everything.
     */
    default boolean supports(EnergyChain chain, NudgingForce force, org.nd4j.linalg.api.buffer.DataType dataType) {
        return true;
    }

    /**
     * Writes scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) into the gradient views, as {@link EnergyChain#writeContrastGradient}
     * (thesis eq. 5.22), where this engine holds the states (an accelerator); returns false, writing nothing, when
     * the host's {@link EnergyChain#writeContrastGradient} should do it.
     */
    default boolean writeContrastGradient(EnergyChain chain, INDArray x, INDArray[] a, INDArray[] b, double scale,
                                          INDArray[][] views) {
        return false;
    }

    /**
     * {@link #writeContrastGradient(EnergyChain, INDArray, INDArray[], INDArray[], double, INDArray[][])} for two
     * equilibria: an engine that holds their states in its own layout ({@link Equilibrium#location}) writes the
     * contrast from there; by default from their host states. Returns false, writing nothing, when the host's
     * {@link EnergyChain#writeContrastGradient} should do it.
     */
    default boolean writeContrastGradient(EnergyChain chain, INDArray x, Equilibrium a, Equilibrium b, double scale,
                                          INDArray[][] views) {
        return writeContrastGradient(chain, x, a.states(), b.states(), scale, views);
    }
}
