package org.eqprop.nn.conf;

import org.eqprop.costs.NudgingForce;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.estimators.OscillationSettings;
import org.eqprop.util.Records;
import org.eqprop.util.Setting;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

import java.util.Map;

/**
 * How a block's gradient is formed: the method (EqProp, or the BPTT / RBP baselines), and for EqProp the nudging
 * strength β, the estimator that combines the nudged phases (∇θL ≈ (∂Φ/∂θ(s^{+β}) − ∂Φ/∂θ(s^{−β}))/2β for the
 * symmetric one) with its parameters, the nudging force −β ∂C/∂s and the seed of its random draws. Immutable;
 * {@link #DEFAULTS} holds every default, each {@code withX} returns a copy, and its JSON is an object of its
 * components (missing ones take the defaults, unknown ones are refused).
 */
public record EstimationSettings(
        @Setting(value = "eqprop, bptt or rbp", cli = false) GradientMethod method,
        @Setting(value = "how the nudged phases combine: symmetric, one-sided, random-sign, holomorphic, "
                + "oscillating or langevin", label = "NAME") GradientEstimator.Kind estimator,
        @Setting(value = "nudging strength beta > 0 (the radius |beta| for the complex estimators)", label = "BETA")
        double beta,
        @Setting(value = "holomorphic: N >= 2 nudges beta e^(2 pi i k/N) on the circle", label = "N")
        int holomorphicPoints,
        @Setting(value = "oscillating: values of beta per period M >= 3", label = "M") int oscillationSteps,
        @Setting(value = "oscillating: warm-up periods before integrating", label = "P") int oscillationWarmup,
        @Setting(value = "oscillating: integrated periods", label = "P") int oscillationPeriods,
        @Setting(value = "langevin: samples S >= 1 averaged per nudged phase", label = "S") int samples,
        @Setting(value = "recomputed (-beta dC/ds at the current state) or held (at the free fixed point)",
                label = "MODE") NudgingForce.Mode nudgingForce,
        @Setting(value = "seed of the estimator's random sign and the langevin noise", cli = false) long seed,
        @Setting(value = "bptt: backpropagate through the last K free steps only (0: all T)", label = "K")
        int bpttSteps,
        @Setting(value = "readout layer gradient at the free state (free, exact) or over the two nudged states "
                + "(nudged, the published code's convention)", label = "WHERE") ReadoutGradient readoutGradient)
        implements java.io.Serializable {

    /** Every default: EqProp with the symmetric estimator at β = 0.5 and the recomputed force. */
    public static final EstimationSettings DEFAULTS = new EstimationSettings(GradientMethod.EQPROP,
            GradientEstimator.Kind.SYMMETRIC, 0.5, 4, OscillationSettings.DEFAULT_STEPS_PER_PERIOD,
            OscillationSettings.DEFAULT_WARMUP_PERIODS, OscillationSettings.DEFAULT_PERIODS, 1,
            NudgingForce.Mode.RECOMPUTED, 42, 0, ReadoutGradient.FREE);

    /** Checks each value on its own; {@link #validate()} checks how they combine. */
    public EstimationSettings {
        require(method != null && estimator != null && nudgingForce != null && readoutGradient != null,
                "method, estimator, nudgingForce and readoutGradient must be set");
        require(beta > 0 && Double.isFinite(beta), "beta must be finite and > 0 for the nudged phases, got " + beta);
        require(holomorphicPoints >= 2, "holomorphicPoints must be >= 2, got " + holomorphicPoints);
        require(oscillationSteps >= 3 && oscillationWarmup >= 0 && oscillationPeriods >= 1, "the oscillating nudge "
                + "needs oscillationSteps >= 3, oscillationWarmup >= 0 and oscillationPeriods >= 1, got "
                + oscillationSteps + ", " + oscillationWarmup + ", " + oscillationPeriods);
        require(samples >= 1, "samples must be >= 1, got " + samples);
        require(bpttSteps >= 0, "bpttSteps must be >= 0 (0 = all T steps), got " + bpttSteps);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("EqPropBlock: " + message);
        }
    }

    /** Checks the combinations: samples belong to the Langevin estimator, an estimator to EqProp. */
    public void validate() {
        require(samples == 1 || estimator == GradientEstimator.Kind.LANGEVIN, "samples (" + samples + ") are "
                + "averaged by the langevin estimator only, not " + estimator.cliName());
        require(!method.backpropagates() || estimator == GradientEstimator.Kind.SYMMETRIC, "method "
                + method.cliName() + " forms its gradient without nudged phases; the estimator "
                + estimator.cliName() + " would not be used");
        require(readoutGradient == ReadoutGradient.FREE || (method == GradientMethod.EQPROP
                && !estimator.averages()), "readoutGradient nudged takes the readout's gradient at the two "
                + "equilibria of a two-phase EqProp estimator (symmetric, one-sided, random-sign), not "
                + describe());
    }

    private String describe() {
        return method.backpropagates() ? "method " + method.cliName() : "estimator " + estimator.cliName();
    }

    /** True for holomorphic EqProp (complex nudges on a circle of radius β, relaxed or oscillating). */
    public boolean holomorphic() {
        return method == GradientMethod.EQPROP && (estimator == GradientEstimator.Kind.HOLOMORPHIC
                || estimator == GradientEstimator.Kind.OSCILLATING);
    }

    /** {values of β per period, warm-up periods, integrated periods, steps per value} of the oscillating nudge. */
    public int[] oscillation(int nudgedSteps) {
        return new int[]{oscillationSteps, oscillationWarmup, oscillationPeriods, nudgedSteps};
    }

    /** A new estimator of these settings, its relaxation with {@code nudgedSteps} steps per oscillating value. */
    public GradientEstimator createEstimator(int nudgedSteps) {
        return estimator.create(seed, holomorphicPoints, oscillation(nudgedSteps), samples);
    }

    /** The nudged phases of one EqProp iteration (2 for the symmetric estimator). */
    public int nudgedPhases() {
        return estimator.nudgedPhases(holomorphicPoints);
    }

    public EstimationSettings withMethod(GradientMethod v) {
        return Records.with(this, "method", v);
    }

    public EstimationSettings withEstimator(GradientEstimator.Kind v) {
        return Records.with(this, "estimator", v);
    }

    public EstimationSettings withBeta(double v) {
        return Records.with(this, "beta", v);
    }

    public EstimationSettings withHolomorphicPoints(int v) {
        return Records.with(this, "holomorphicPoints", v);
    }

    /** The oscillating nudge's values per period, warm-up periods and integrated periods. */
    public EstimationSettings withOscillation(int stepsPerPeriod, int warmupPeriods, int periods) {
        return Records.with(this, Map.of("oscillationSteps", stepsPerPeriod, "oscillationWarmup", warmupPeriods,
                "oscillationPeriods", periods));
    }

    public EstimationSettings withSamples(int v) {
        return Records.with(this, "samples", v);
    }

    public EstimationSettings withNudgingForce(NudgingForce.Mode v) {
        return Records.with(this, "nudgingForce", v);
    }

    public EstimationSettings withSeed(long v) {
        return Records.with(this, "seed", v);
    }

    public EstimationSettings withBpttSteps(int v) {
        return Records.with(this, "bpttSteps", v);
    }

    public EstimationSettings withReadoutGradient(ReadoutGradient v) {
        return Records.with(this, "readoutGradient", v);
    }

    /** A copy with the named components replaced (values as their type, numbers or names): JSON and the CLI. */
    public EstimationSettings with(Map<String, ?> values) {
        return Records.with(this, values);
    }

    /** The JSON form: the components by name. */
    @JsonValue
    public Map<String, Object> toJson() {
        return Records.toMap(this);
    }

    /** From JSON: the defaults with the given components; an unknown name is refused. */
    @JsonCreator
    public static EstimationSettings fromJson(Map<String, Object> json) {
        return DEFAULTS.with(json);
    }
}
