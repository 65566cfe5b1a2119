package org.eqprop.nn.conf;

import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.UpdateOrder;
import org.eqprop.engines.EngineKind;
import org.eqprop.interactions.ConvolutionPrecision;
import org.eqprop.layers.StateActivation;
import org.eqprop.util.Records;
import org.eqprop.util.Setting;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

import java.util.Map;

/**
 * How a block relaxes to its fixed point s* = σ(∂Φ/∂s(θ, x, s*)): the activation σ (with leak λ: σ(u) + λu), the step
 * rule and its parameters, the step budgets T (free phase) and K (each nudged phase), the early stop
 * ‖s_{t+1} − s_t‖∞ ≤ tolerance, the update order, the engine and the convolutions' operand precision. Immutable;
 * {@link #DEFAULTS} holds every default, and
 * each {@code withX} returns a copy. Its JSON is an object of its components (missing ones take the defaults, unknown
 * ones are refused).
 */
public record RelaxationSettings(
        @Setting(value = "state activation sigma: hard-sigmoid clip(u,0,1), half-hard-sigmoid clip(u/2,0,1), sigmoid, "
                + "logistic or tanh", label = "NAME") StateActivation.Kind activation,
        @Setting(value = "leak lambda of sigma(u) + lambda u", label = "L") double leak,
        @Setting(value = "step rule: fixed-point s <- sigma(dPhi/ds), euler (thesis eq. 3.25), over-relaxation "
                + "(projected SOR) or langevin (euler plus state noise)", label = "NAME") Dynamics.Kind dynamics,
        @Setting(value = "euler and langevin step size epsilon in (0, 1]", label = "E") double eulerStep,
        @Setting(value = "over-relaxation factor omega in (0, 2)", label = "W") double overRelaxation,
        @Setting(value = "langevin state-noise temperature T >= 0: s += sqrt(2 epsilon T) xi", label = "T")
        double temperature,
        @Setting(value = "T: steps of the free phase (at most, with a tolerance)", label = "T") int freeSteps,
        @Setting(value = "K: steps of each nudged phase (at most, with a tolerance)", label = "K") int nudgedSteps,
        @Setting(value = "stop a phase once max |s_{t+1} - s_t| <= TOL (0: run every step)", label = "TOL")
        double tolerance,
        @Setting(value = "synchronous (every layer from s_t) or alternating (even layers, then odd ones)",
                label = "ORDER") UpdateOrder updateOrder,
        @Setting(value = "auto, cpu, cuda, fused or reference", label = "ENGINE") EngineKind engine,
        @Setting("start each example's free phase from its last free fixed point (thesis 3.3.2)")
        boolean persistentStates,
        @Setting("relax the symmetric estimator's +beta and -beta phases together, as one doubled batch")
        boolean doubledBatch,
        @Setting("start the symmetric estimator's -beta phase from the reflection 2 s^0 - s^{+beta} of the +beta "
                + "fixed point (first-order exact in beta) instead of from s^0: the same fixed point in fewer steps")
        boolean mirroredStart,
        @Setting(value = "operands of the CPU convolutions (oneDNN): fp32, or bf16 with float32 accumulation and "
                + "states, on CPUs with AMX or AMD CPUs with AVX512_BF16 (elsewhere float32, with a warning)",
                label = "PRECISION")
        ConvolutionPrecision convolutionPrecision)
        implements java.io.Serializable {

    /** Every default: the hard sigmoid, fixed-point steps, T = 30, K = 10, no early stop, synchronous, auto. */
    public static final RelaxationSettings DEFAULTS = new RelaxationSettings(StateActivation.Kind.HARD_SIGMOID, 0,
            Dynamics.Kind.FIXED_POINT, 0.5, 1.0, 0, 30, 10, 0, UpdateOrder.SYNCHRONOUS, EngineKind.AUTO, false,
            false, false, ConvolutionPrecision.FP32);

    /** Checks each value on its own; {@link #validate()} checks how they combine. */
    public RelaxationSettings {
        require(activation != null && dynamics != null && updateOrder != null && engine != null
                && convolutionPrecision != null, "activation, dynamics, updateOrder, engine and "
                + "convolutionPrecision must be set");
        require(leak >= 0 && Double.isFinite(leak), "leak must be finite and >= 0, got " + leak);
        require(eulerStep > 0 && eulerStep <= 1, "eulerStep must be in (0, 1], got " + eulerStep);
        require(overRelaxation > 0 && overRelaxation < 2, "overRelaxation must be in (0, 2), got " + overRelaxation);
        require(temperature >= 0 && Double.isFinite(temperature), "temperature must be finite and >= 0, got "
                + temperature);
        require(freeSteps >= 1, "freeSteps must be >= 1, got " + freeSteps);
        require(nudgedSteps >= 1, "nudgedSteps must be >= 1, got " + nudgedSteps);
        require(tolerance >= 0 && Double.isFinite(tolerance), "tolerance must be finite and >= 0, got " + tolerance);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("EqPropBlock: " + message);
        }
    }

    /** Checks the combinations: each step rule's activations, a temperature only for Langevin dynamics. */
    public void validate() {
        StateActivation act = stateActivation();
        String rule = dynamics.cliName() + " dynamics";
        switch (dynamics) {
            case OVER_RELAXATION -> require(act.leak() == 0 && act.isClipped(), rule + " need a clipped activation "
                    + "clip(a u, 0, 1) without leak (hard-sigmoid or half-hard-sigmoid), got " + act);
            case EULER -> require(act.isHardSigmoid(), rule + " need the hard-sigmoid activation without leak, got "
                    + act);
            case LANGEVIN -> require(act.isHardSigmoid(), rule + " sample the hard-sigmoid energy; they need the "
                    + "hard-sigmoid activation without leak, got " + act);
            default -> {
            }
        }
        require(temperature == 0 || dynamics == Dynamics.Kind.LANGEVIN, "a temperature (" + temperature + ") needs "
                + "the langevin dynamics; the " + dynamics.cliName() + " dynamics are noise-free");
    }

    /** σ with its leak. */
    public StateActivation stateActivation() {
        return new StateActivation(activation, leak);
    }

    /** A new instance of the step rule (Langevin dynamics draw their noise from {@code seed}). */
    public Dynamics dynamicsRule(long seed) {
        return dynamics.create(eulerStep, overRelaxation, temperature, seed);
    }

    /** True when the layers relax in the alternating order. */
    public boolean alternating() {
        return updateOrder == UpdateOrder.ALTERNATING;
    }

    /** The free phase's step budget and early stop. */
    public RelaxationControl freeControl() {
        return new RelaxationControl(freeSteps, tolerance, alternating());
    }

    /** A nudged phase's step budget and early stop. */
    public RelaxationControl nudgedControl() {
        return new RelaxationControl(nudgedSteps, tolerance, alternating());
    }

    public RelaxationSettings withActivation(StateActivation.Kind v) {
        return Records.with(this, "activation", v);
    }

    public RelaxationSettings withLeak(double v) {
        return Records.with(this, "leak", v);
    }

    public RelaxationSettings withDynamics(Dynamics.Kind v) {
        return Records.with(this, "dynamics", v);
    }

    public RelaxationSettings withEulerStep(double v) {
        return Records.with(this, "eulerStep", v);
    }

    public RelaxationSettings withOverRelaxation(double v) {
        return Records.with(this, "overRelaxation", v);
    }

    public RelaxationSettings withTemperature(double v) {
        return Records.with(this, "temperature", v);
    }

    public RelaxationSettings withFreeSteps(int v) {
        return Records.with(this, "freeSteps", v);
    }

    public RelaxationSettings withNudgedSteps(int v) {
        return Records.with(this, "nudgedSteps", v);
    }

    public RelaxationSettings withTolerance(double v) {
        return Records.with(this, "tolerance", v);
    }

    public RelaxationSettings withUpdateOrder(UpdateOrder v) {
        return Records.with(this, "updateOrder", v);
    }

    public RelaxationSettings withEngine(EngineKind v) {
        return Records.with(this, "engine", v);
    }

    public RelaxationSettings withPersistentStates(boolean v) {
        return Records.with(this, "persistentStates", v);
    }

    public RelaxationSettings withDoubledBatch(boolean v) {
        return Records.with(this, "doubledBatch", v);
    }

    public RelaxationSettings withMirroredStart(boolean v) {
        return Records.with(this, "mirroredStart", v);
    }

    public RelaxationSettings withConvolutionPrecision(ConvolutionPrecision v) {
        return Records.with(this, "convolutionPrecision", v);
    }

    /** A copy with the named components replaced (values as their type, numbers or names): JSON and the CLI. */
    public RelaxationSettings with(Map<String, ?> values) {
        return Records.with(this, values);
    }

    /** The JSON form: the components by name. */
    @JsonValue
    public Map<String, Object> toJson() {
        return Records.toMap(this);
    }

    /** From JSON: the defaults with the given components; an unknown name is refused. */
    @JsonCreator
    public static RelaxationSettings fromJson(Map<String, Object> json) {
        return DEFAULTS.with(json);
    }
}
