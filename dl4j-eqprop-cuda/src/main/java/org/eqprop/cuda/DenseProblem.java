package org.eqprop.cuda;

import java.util.Arrays;

/**
 * The input of the persistent dense relaxation kernel (dense_relax.cu): a chain of dense layers s_1..s_N
 * (Φ = Σ_k s_kᵀ W_k s_{k−1} + b_kᵀ s_k), the precomputed input drive W_1 x + b_1, packed start states (the layers of
 * one example concatenated), a nudging force, and the phases to run one after the other in the same launch: e.g.
 * the free phase (T steps, β = 0, from the start states) then two nudged phases (K steps, ±β, from the free phase's
 * end).
 *
 * @param widths      n_1..n_N
 * @param weights     W_2..W_N packed, each [n_{k−1}, n_k] row-major
 * @param biases      b_2..b_N packed
 * @param inputDrive  [batch, n_1]
 * @param start       [batch, Σ n_k]
 * @param batch       examples
 * @param force       {@link Force}
 * @param forceScale  c of the squared error (C = (c/2)‖s_N − y‖²)
 * @param labels      y [batch, n_N] (squared), one-hot [batch, classes] (softmax) or ε [batch, n_N] (held)
 * @param readoutW    W_out [n_N, classes] (softmax) or null
 * @param readoutB    b_out [classes] (softmax) or null
 * @param activation  0 hard sigmoid, 1 half hard sigmoid, 2 sigmoid (StateActivation.Kind order)
 * @param euler       true: Euler steps of size eulerStep (Scellier thesis eq. 3.25); false: fixed point σ(u)
 * @param leak        λ of σ(u) + λu
 * @param eulerStep   ε (1 for the fixed point)
 * @param alternating even layers then odd layers, else synchronous
 * @param tolerance   stop a tile's phase when its residual is at most this (0: run every step)
 * @param phaseSteps  steps of each phase
 * @param phaseBeta   signed β of each phase (0: free)
 * @param phaseFrom   −1: start from {@code start}; p: from the end of phase p
 */
public record DenseProblem(int[] widths, float[] weights, float[] biases, float[] inputDrive, float[] start, int batch,
                           Force force, float forceScale, float[] labels, float[] readoutW, float[] readoutB,
                           int activation, boolean euler, float leak, float eulerStep, boolean alternating,
                           float tolerance, int[] phaseSteps, float[] phaseBeta, int[] phaseFrom) {

    /** The nudging forces the kernel computes itself (org.eqprop.costs). */
    public enum Force { NONE, SQUARED, SOFTMAX, HELD }

    public DenseProblem {
        if (widths.length < 1 || widths.length > 8) {
            throw new IllegalArgumentException("the dense kernel runs 1 to 8 layers, got " + widths.length);
        }
        if (phaseSteps.length < 1 || phaseSteps.length > 4 || phaseBeta.length != phaseSteps.length
                || phaseFrom.length != phaseSteps.length) {
            throw new IllegalArgumentException("need 1 to 4 phases with steps, beta and start each, got "
                    + phaseSteps.length + ", " + phaseBeta.length + ", " + phaseFrom.length);
        }
        for (int ph = 0; ph < phaseFrom.length; ph++) {
            if (phaseFrom[ph] < -1 || phaseFrom[ph] >= ph) {
                throw new IllegalArgumentException("phase " + ph + " can only start from the start states (−1) or an "
                        + "earlier phase, got " + phaseFrom[ph]);
            }
            if (phaseSteps[ph] < 1) {
                throw new IllegalArgumentException("phase " + ph + " needs at least 1 step, got " + phaseSteps[ph]);
            }
        }
        int total = Arrays.stream(widths).sum();
        long w = 0;
        long b = 0;
        for (int k = 1; k < widths.length; k++) {
            w += (long) widths[k - 1] * widths[k];
            b += widths[k];
        }
        require("weights", weights.length, w);
        require("biases", biases.length, b);
        require("inputDrive", inputDrive.length, (long) batch * widths[0]);
        require("start", start.length, (long) batch * total);
        if (force == Force.SOFTMAX) {
            if (readoutW == null || readoutB == null || labels == null) {
                throw new IllegalArgumentException("the softmax readout needs W_out, b_out and labels");
            }
            require("readoutB", readoutB.length, readoutB.length);
            require("readoutW", readoutW.length, (long) widths[widths.length - 1] * readoutB.length);
            require("labels", labels.length, (long) batch * readoutB.length);
        } else if (force != Force.NONE) {
            require("labels", labels == null ? -1 : labels.length, (long) batch * widths[widths.length - 1]);
        }
    }

    private static void require(String what, long got, long expected) {
        if (got != expected) {
            throw new IllegalArgumentException(what + " must hold " + expected + " floats, got " + got);
        }
    }

    /** Σ n_k: the length of one packed example. */
    public int total() {
        return Arrays.stream(widths).sum();
    }

    /** Softmax classes (0 without a readout). */
    public int classes() {
        return force == Force.SOFTMAX ? readoutB.length : 0;
    }

    /** The kernel's integer configuration (eqprop_params.h, dense_params) for a tile size and precision code. */
    int[] intConfig(int tile, int precision) {
        int n = widths.length;
        int phases = phaseSteps.length;
        int[] c = new int[10 + n + 2 * phases];
        c[0] = n;
        c[1] = batch;
        c[2] = tile;
        c[3] = phases;
        c[4] = alternating ? 1 : 0;
        c[5] = force.ordinal();
        c[6] = classes();
        c[7] = activation;
        c[8] = euler ? 1 : 0;
        System.arraycopy(widths, 0, c, 9, n);
        System.arraycopy(phaseSteps, 0, c, 9 + n, phases);
        System.arraycopy(phaseFrom, 0, c, 9 + n + phases, phases);
        c[9 + n + 2 * phases] = precision;
        return c;
    }

    /** The kernel's float configuration. */
    float[] floatConfig() {
        float[] f = new float[4 + phaseBeta.length];
        f[0] = leak;
        f[1] = eulerStep;
        f[2] = tolerance;
        f[3] = forceScale;
        System.arraycopy(phaseBeta, 0, f, 4, phaseBeta.length);
        return f;
    }
}
