package org.eqprop.dynamics;

import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Projected Langevin dynamics at temperature T on the hard-sigmoid energy E(s) = ½‖s‖² − Φ(s) over [0, 1]^n
 * (Scellier thesis ch. 6, stochastic EqProp):
 * <pre>
 *   s_{t+1} = clip(s_t + ε (∂Φ/∂s − s_t) + √(2εT) ξ_t, 0, 1),   ξ_t ~ N(0, I).
 * </pre>
 * For small ε its states sample the Boltzmann distribution p(s) ∝ e^{−E(s)/T} (of E + βC in a nudged phase); T = 0 is
 * the {@link EulerDynamics}. Averaged over samples, the EqProp update −(⟨∂Φ/∂θ⟩_{+β} − ⟨∂Φ/∂θ⟩_{−β})/2β estimates the
 * gradient of the expected loss ⟨C⟩_0, since d/dβ ⟨∂E/∂θ⟩_β = ∂⟨C⟩/∂θ at β = 0. The noise also models device
 * noise in analog hardware.
 *
 * <p>Noise is drawn from a {@link SplittableRandom} seeded once: the reference engine's runs are reproducible; the
 * fused engine draws one independent stream per call, whose order follows its threads.
 */
public final class LangevinDynamics implements Dynamics, org.eqprop.util.RandomState.OneStream {

    private final float epsilon;
    private final double temperature;
    private final org.eqprop.util.ResumableRandom random;

    /**
     * @param epsilon     the step ε in (0, 1]
     * @param temperature T ≥ 0
     * @param seed        the noise's seed
     */
    public LangevinDynamics(double epsilon, double temperature, long seed) {
        if (!(epsilon > 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("Langevin step size epsilon must be in (0, 1], got " + epsilon);
        }
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        this.epsilon = (float) epsilon;
        this.temperature = temperature;
        this.random = new org.eqprop.util.ResumableRandom(seed);
    }

    public double epsilon() {
        return epsilon;
    }

    public double temperature() {
        return temperature;
    }

    /** The noise amplitude per step, √(2εT), seen in the drive as √(2εT)/ε. */
    private double driveNoise() {
        return Math.sqrt(2.0 * epsilon * temperature) / epsilon;
    }

    @Override
    public org.eqprop.util.ResumableRandom stream() {
        return random;
    }

    private SplittableRandom phaseNoise() {
        synchronized (random) {
            return random.split();
        }
    }

    private static void requireHardSigmoid(StateActivation activation) {
        if (!activation.isHardSigmoid()) {
            throw new IllegalArgumentException("Langevin dynamics sample the hard-sigmoid energy ½‖s‖² − Φ on [0,1]; "
                    + "activation " + activation + " is not supported with them");
        }
    }

    @Override
    public INDArray step(INDArray state, INDArray drive, StateActivation activation) {
        requireHardSigmoid(activation);
        if (temperature > 0) {
            SplittableRandom r = phaseNoise();
            double a = driveNoise();
            double[] noise = new double[(int) drive.length()];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = a * r.nextGaussian();
            }
            drive.addi(Nd4j.create(noise, drive.shape(), 'c').castTo(drive.dataType()));
        }
        INDArray next = drive.subi(state).muli(epsilon).addi(state);
        return org.nd4j.linalg.ops.transforms.Transforms.min(
                org.nd4j.linalg.ops.transforms.Transforms.max(next, 0.0, false), 1.0, false);
    }

    @Override
    public float step(float[] state, float[] drive, int len, StateActivation activation) {
        requireHardSigmoid(activation);
        if (temperature > 0) {
            SplittableRandom r = phaseNoise();
            float a = (float) driveNoise();
            for (int i = 0; i < len; i++) {
                drive[i] += a * (float) r.nextGaussian();
            }
        }
        return org.eqprop.kernels.FusedKernels.clampStep(state, drive, len, 1f, epsilon, 0f);
    }

    @Override
    public String name() {
        return "langevin";
    }

    @Override
    public Kind kind() {
        return Kind.LANGEVIN;
    }
}
