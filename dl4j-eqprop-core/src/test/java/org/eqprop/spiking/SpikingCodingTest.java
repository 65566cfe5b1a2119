package org.eqprop.spiking;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encoders, decoders and step-size annealers of the spiking neurons (O'Connor et al. 2019, eqs. 8–14). */
class SpikingCodingTest {

    /** A test-only "quantiser" that sends its input unchanged, to check the predictive code's algebra. */
    private static final Encoder EXACT = neurons -> new Encoder.Memory() {
        @Override
        public int encode(float[] x, float[] q, int from, int to, int t) {
            System.arraycopy(x, from, q, from, to - from);
            return 0;
        }

        @Override
        public Encoder.Memory copy() {
            return this;
        }
    };

    @Test
    void sigmaDeltaRunningSumTracksTheInputsWithinOne() {
        Random r = new Random(1);
        int n = 50;
        Encoder.Memory m = SigmaDeltaEncoder.INSTANCE.start(n);
        float[] x = new float[n];
        float[] q = new float[n];
        double[] sumX = new double[n];
        double[] sumQ = new double[n];
        for (int t = 1; t <= 5000; t++) {
            for (int i = 0; i < n; i++) {
                x[i] = r.nextFloat();
            }
            int spikes = m.encode(x, q, 0, n, t);
            int count = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(q[i] == 0f || q[i] == 1f);
                count += (int) q[i];
                sumX[i] += x[i];
                sumQ[i] += q[i];
                assertTrue(Math.abs(sumQ[i] - sumX[i]) < 1.0 + 1e-3, "running-sum error " + (sumQ[i] - sumX[i]));
            }
            assertEquals(count, spikes);
        }
    }

    @Test
    void stochasticBitsAreUnbiased() {
        int n = 20_000;
        float[] x = new float[n];
        java.util.Arrays.fill(x, 0.3f);
        float[] q = new float[n];
        int spikes = new StochasticEncoder(5).start(n).encode(x, q, 0, n, 1);
        double sd = Math.sqrt(n * 0.3 * 0.7);
        assertTrue(Math.abs(spikes - 0.3 * n) < 4 * sd, "spikes " + spikes);
    }

    @Test
    void predictiveDecoderInvertsPredictiveEncoderExactlyWithoutQuantisation() {
        PowerSchedule lambda = new PowerSchedule(0.6, 0.5);   // annealed λ: the decoder must use the sender's λ
        int n = 7;
        Encoder.Memory enc = new PredictiveEncoder(lambda, EXACT).start(n);
        Decoder.Memory dec = new PredictiveDecoder(lambda).start(n);
        Random r = new Random(2);
        float[] x = new float[n];
        float[] code = new float[n];
        for (int t = 1; t <= 300; t++) {
            for (int i = 0; i < n; i++) {
                x[i] = r.nextFloat();
            }
            enc.encode(x, code, 0, n, t);
            float[] v = code.clone();
            dec.decode(v, 0, n, t + 1);   // received one step later
            for (int i = 0; i < n; i++) {
                assertEquals(x[i], v[i], 2e-4, "step " + t);
            }
        }
    }

    @Test
    void predictiveSigmaDeltaReconstructionErrorStaysWithinLambda() {
        float lambda = 0.3f;
        int n = 3;
        Encoder.Memory enc = new PredictiveEncoder(PowerSchedule.constant(lambda), SigmaDeltaEncoder.INSTANCE).start(n);
        Decoder.Memory dec = new PredictiveDecoder(PowerSchedule.constant(lambda)).start(n);
        float[] x = new float[n];
        float[] q = new float[n];
        double worst = 0;
        for (int t = 1; t <= 3000; t++) {
            for (int i = 0; i < n; i++) {
                x[i] = (float) (0.5 + 0.3 * Math.sin(t / (40.0 + 10 * i)));   // slow: the code stays in [0, 1]
            }
            enc.encode(x, q, 0, n, t);
            float[] v = q.clone();
            dec.decode(v, 0, n, t + 1);
            for (int i = 0; i < n; i++) {
                worst = Math.max(worst, Math.abs(v[i] - x[i]));
            }
        }
        assertTrue(worst <= lambda + 1e-4, "worst reconstruction error " + worst);
        assertTrue(worst > lambda / 10, "the bits do quantise: " + worst);
    }

    @Test
    void scheduledStepSizesFollowEpsilonZeroOverTToTheEta() {
        float[] eps = new float[2];
        ScheduledStepSize s = new ScheduledStepSize(new PowerSchedule(0.8, 0.5));
        StepSizeAnnealer.Memory m = s.start(2);
        m.stepSizes(new float[2], eps, 0, 2, 16);
        assertEquals(0.2f, eps[0], 1e-7);
        assertEquals(0.2f, eps[1], 1e-7);
        m.stepSizes(new float[2], eps, 0, 2, 1);
        assertEquals(0.8f, eps[0], 1e-7);
    }

    @Test
    void osaAveragesNoiseAndReactsToAStepInTheTarget() {
        OptimalStepSize osa = new OptimalStepSize(0.05, 1e-12);
        assertEquals(0.05, osa.errorRate(2000), 1e-3);
        int n = 200;
        StepSizeAnnealer.Memory m = osa.start(n);
        Random r = new Random(3);
        float[] x = new float[n];
        float[] eps = new float[n];
        float[] estimate = new float[n];
        double settled = 0;
        for (int t = 1; t <= 400; t++) {
            float mean = t <= 200 ? 0.3f : 0.8f;
            for (int i = 0; i < n; i++) {
                x[i] = mean + (float) (0.2 * r.nextGaussian());
            }
            m.stepSizes(x, eps, 0, n, t);
            for (int i = 0; i < n; i++) {
                estimate[i] += eps[i] * (x[i] - estimate[i]);   // the neuron's state update, without the clip
            }
            if (t == 1) {
                assertEquals(1f, eps[0]);
            }
            if (t == 200 || t == 400) {
                double e = 0;
                double err = 0;
                for (int i = 0; i < n; i++) {
                    e += eps[i] / n;
                    err += Math.abs(estimate[i] - mean) / n;
                }
                assertTrue(e < 0.15, "the step size must fall on pure noise: " + e + " at t=" + t);
                assertTrue(err < 0.06, "estimate error " + err + " at t=" + t);
                settled = e;
            }
            if (t == 205) {
                double e = 0;
                for (int i = 0; i < n; i++) {
                    e += eps[i] / n;
                }
                assertTrue(e > 2 * settled, "the step size must rise after the target moves: " + e + " after " + settled);
            }
        }
    }

    @Test
    void badSettingsAreRejectedByName() {
        assertThrows(IllegalArgumentException.class, () -> new PowerSchedule(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new PowerSchedule(0.5, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new OptimalStepSize(0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpikingSettings.osa(0.1).withEncoder("morse").validate());
        assertTrue(e.getMessage().contains("morse"));
        assertThrows(IllegalArgumentException.class, () -> SpikingSettings.osa(0.1).predictive(1.5, 0).validate());
        SpikingSettings bad = SpikingSettings.osa(0.1);
        bad.setAnnealer("magic");
        assertTrue(assertThrows(IllegalArgumentException.class, bad::validate).getMessage().contains("magic"));
    }
}
