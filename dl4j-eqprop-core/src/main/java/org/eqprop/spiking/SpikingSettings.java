package org.eqprop.spiking;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the neurons of a spiking EqProp block communicate (O'Connor et al. 2019, eq. 15): the quantiser that makes
 * the bits ({@code sigma-delta}, eq. 12, or {@code stochastic}, eq. 9), optional predictive coding with coefficient
 * λ_t = λ_0 / t^{η_λ} (eqs. 13, 14; λ-annealing §3.6; λ_0 = 0 turns it off: identity decoder, eq. 10), and the
 * step-size annealer ({@code osa} with target rate ν̄, {@code scheduled} ε_0 / t^{η_ε}, eq. 8, or {@code constant}
 * ε_0). {@code encodeInput} makes the clamped input neurons spike too (as in the paper); otherwise the first layer
 * receives the exact drive W_1 x + b_1.
 *
 * <p>A bean, so that it serialises with the block's JSON configuration.
 */
public class SpikingSettings implements java.io.Serializable {

    private String encoder = "sigma-delta";
    private double lambda = 0;
    private double lambdaDecay = 0;
    private String annealer = "osa";
    private double osaTarget = 0.0346;
    private double osaRegulariser = 1e-15;
    private double stepSize = 1;
    private double stepSizeDecay = 0.5;
    private boolean encodeInput = true;
    private long seed = 7;

    /** For JSON. */
    public SpikingSettings() {
    }

    /** OSA step sizes with target rate ν̄ (George &amp; Powell 2006), sigma-delta bits, no predictive coding. */
    public static SpikingSettings osa(double targetRate) {
        SpikingSettings s = new SpikingSettings();
        s.annealer = "osa";
        s.osaTarget = targetRate;
        return s;
    }

    /** Step sizes ε_0 / t^η (eq. 8), sigma-delta bits, no predictive coding. */
    public static SpikingSettings scheduled(double initial, double exponent) {
        SpikingSettings s = new SpikingSettings();
        s.annealer = "scheduled";
        s.stepSize = initial;
        s.stepSizeDecay = exponent;
        return s;
    }

    /** A constant step size ε. */
    public static SpikingSettings constant(double epsilon) {
        SpikingSettings s = scheduled(epsilon, 0);
        s.annealer = "constant";
        return s;
    }

    /** Adds predictive coding with λ_t = λ_0 / t^η (η = 0: constant λ). */
    public SpikingSettings predictive(double lambda0, double exponent) {
        this.lambda = lambda0;
        this.lambdaDecay = exponent;
        return this;
    }

    /** sigma-delta (default) or stochastic bits. */
    public SpikingSettings withEncoder(String name) {
        this.encoder = name.toLowerCase(Locale.ROOT);
        return this;
    }

    /** Whether the clamped input neurons spike (default) or send their exact values. */
    public SpikingSettings withInputEncoding(boolean spiking) {
        this.encodeInput = spiking;
        return this;
    }

    /** Checks every setting, with a message naming the bad one. */
    public void validate() {
        if (!List.of("sigma-delta", "stochastic").contains(encoder)) {
            throw new IllegalArgumentException("spiking: encoder must be sigma-delta or stochastic, got " + encoder);
        }
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("spiking: predictive-coding lambda must be in [0, 1] (0: off), got "
                    + lambda);
        }
        if (lambda > 0) {
            new PowerSchedule(lambda, lambdaDecay);
        }
        stepSizeAnnealer();
    }

    // ---- the components ------------------------------------------------------------------------------------

    /** True when the bits carry predictive codes (eqs. 13, 14). */
    public boolean predictiveCoding() {
        return lambda > 0;
    }

    /** The encoder of every neuron: the quantiser, behind predictive coding when λ_0 &gt; 0. */
    public Encoder neuronEncoder() {
        Encoder q = "stochastic".equals(encoder) ? new StochasticEncoder(seed) : SigmaDeltaEncoder.INSTANCE;
        return predictiveCoding() ? new PredictiveEncoder(new PowerSchedule(lambda, lambdaDecay), q) : q;
    }

    /** The decoder matching {@link #neuronEncoder}. */
    public Decoder neuronDecoder() {
        return predictiveCoding() ? new PredictiveDecoder(new PowerSchedule(lambda, lambdaDecay))
                : IdentityDecoder.INSTANCE;
    }

    public StepSizeAnnealer stepSizeAnnealer() {
        switch (annealer) {
            case "osa":
                return new OptimalStepSize(osaTarget, osaRegulariser);
            case "scheduled":
                return new ScheduledStepSize(new PowerSchedule(stepSize, stepSizeDecay));
            case "constant":
                return new ScheduledStepSize(PowerSchedule.constant(stepSize));
            default:
                throw new IllegalArgumentException("spiking: annealer must be osa, scheduled or constant, got "
                        + annealer);
        }
    }

    /** A short description for logs: "sigma-delta, osa(nu-bar=0.0346), lambda=0.275". */
    public String describe() {
        return encoder + ", " + stepSizeAnnealer() + (predictiveCoding() ? ", lambda=" + lambda
                + (lambdaDecay == 0 ? "" : "/t^" + lambdaDecay) : "") + (encodeInput ? "" : ", real-valued input");
    }

    // ---- bean properties --------------------------------------------------------------------------------------

    public String getEncoder() {
        return encoder;
    }

    public void setEncoder(String encoder) {
        this.encoder = encoder;
    }

    public double getLambda() {
        return lambda;
    }

    public void setLambda(double lambda) {
        this.lambda = lambda;
    }

    public double getLambdaDecay() {
        return lambdaDecay;
    }

    public void setLambdaDecay(double lambdaDecay) {
        this.lambdaDecay = lambdaDecay;
    }

    public String getAnnealer() {
        return annealer;
    }

    public void setAnnealer(String annealer) {
        this.annealer = annealer;
    }

    public double getOsaTarget() {
        return osaTarget;
    }

    public void setOsaTarget(double osaTarget) {
        this.osaTarget = osaTarget;
    }

    public double getOsaRegulariser() {
        return osaRegulariser;
    }

    public void setOsaRegulariser(double osaRegulariser) {
        this.osaRegulariser = osaRegulariser;
    }

    public double getStepSize() {
        return stepSize;
    }

    public void setStepSize(double stepSize) {
        this.stepSize = stepSize;
    }

    public double getStepSizeDecay() {
        return stepSizeDecay;
    }

    public void setStepSizeDecay(double stepSizeDecay) {
        this.stepSizeDecay = stepSizeDecay;
    }

    public boolean isEncodeInput() {
        return encodeInput;
    }

    public void setEncodeInput(boolean encodeInput) {
        this.encodeInput = encodeInput;
    }

    public long getSeed() {
        return seed;
    }

    public void setSeed(long seed) {
        this.seed = seed;
    }

    public SpikingSettings copy() {
        SpikingSettings s = new SpikingSettings();
        s.encoder = encoder;
        s.lambda = lambda;
        s.lambdaDecay = lambdaDecay;
        s.annealer = annealer;
        s.osaTarget = osaTarget;
        s.osaRegulariser = osaRegulariser;
        s.stepSize = stepSize;
        s.stepSizeDecay = stepSizeDecay;
        s.encodeInput = encodeInput;
        s.seed = seed;
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpikingSettings s && encoder.equals(s.encoder) && lambda == s.lambda
                && lambdaDecay == s.lambdaDecay && annealer.equals(s.annealer) && osaTarget == s.osaTarget
                && osaRegulariser == s.osaRegulariser && stepSize == s.stepSize && stepSizeDecay == s.stepSizeDecay
                && encodeInput == s.encodeInput && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(encoder, lambda, lambdaDecay, annealer, osaTarget, stepSize, stepSizeDecay, encodeInput);
    }

    @Override
    public String toString() {
        return "SpikingSettings(" + describe() + ")";
    }
}
