package org.eqprop.resistive;

import java.util.Arrays;

/**
 * The layered circuit of the Scellier thesis §4.4 (Kendall et al. 2020). Layer 0: the input voltage sources; layers
 * 1..L: hidden nodes, each with the {@link Diode} pair to ground; layer L+1: the 2K output nodes, Ŷ⁺_k (index k)
 * and Ŷ⁻_k (index K + k). Every layer m ≤ L drives the next through a crossbar of programmable conductances
 * G_m [2 n_m + 2, n_{m+1}] whose rows are the <em>sending voltages</em> S_m = c_m (V_m, −V_m, V_b, −V_b):
 * the layer's voltages doubled and sign-inverted (§4.4.3, so that non-negative conductances give signed effective
 * weights), amplified by c_0 = {@code inputGain} for the inputs and by c_m = {@code amplifierGain} for hidden layers
 * (the bidirectional amplifiers of §4.4.2: voltage gain c forward, current gain c backward), plus a pair of bias
 * sources ±c_m V_b (a bias is an extra input held at V_b, amplified like the others). Prediction:
 * argmax_k (Ŷ⁺_k − Ŷ⁻_k) (eq. 4.14).
 */
public record CircuitTopology(int inputs, int[] hidden, int classes, double inputGain, double amplifierGain,
                              double biasVoltage, Diode diode) {

    public CircuitTopology {
        if (inputs < 1) {
            throw new IllegalArgumentException("CircuitTopology: inputs must be >= 1, got " + inputs);
        }
        if (hidden == null) {
            throw new IllegalArgumentException("CircuitTopology: hidden sizes must not be null");
        }
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("CircuitTopology: hidden layer sizes must be >= 1, got "
                        + Arrays.toString(hidden));
            }
        }
        if (classes < 1) {
            throw new IllegalArgumentException("CircuitTopology: classes must be >= 1, got " + classes);
        }
        if (!(inputGain > 0) || !Double.isFinite(inputGain)) {
            throw new IllegalArgumentException("CircuitTopology: inputGain must be finite and > 0, got " + inputGain);
        }
        if (!(amplifierGain > 0) || !Double.isFinite(amplifierGain)) {
            throw new IllegalArgumentException("CircuitTopology: amplifierGain must be finite and > 0, got "
                    + amplifierGain);
        }
        if (!Double.isFinite(biasVoltage)) {
            throw new IllegalArgumentException("CircuitTopology: biasVoltage must be finite, got " + biasVoltage);
        }
        if (diode == null) {
            throw new IllegalArgumentException("CircuitTopology: diode must not be null");
        }
    }

    /** L + 2: the input layer, the hidden layers and the output layer. */
    public int layers() {
        return hidden.length + 2;
    }

    /** Number of crossbars (L + 1). */
    public int crossbars() {
        return hidden.length + 1;
    }

    /** n_m: inputs, hidden sizes, then 2K output nodes. */
    public int size(int m) {
        if (m == 0) {
            return inputs;
        }
        return m <= hidden.length ? hidden[m - 1] : 2 * classes;
    }

    /** c_m, the gain of layer m's sending voltages. */
    public double gain(int m) {
        return m == 0 ? inputGain : amplifierGain;
    }

    /** Rows of crossbar m: 2 n_m + 2 sending voltages. */
    public int rows(int m) {
        return 2 * size(m) + 2;
    }

    /** Columns of crossbar m: the n_{m+1} nodes it drives. */
    public int columns(int m) {
        return size(m + 1);
    }

    /** Number of conductances of all crossbars. */
    public long conductances() {
        long n = 0;
        for (int m = 0; m < crossbars(); m++) {
            n += (long) rows(m) * columns(m);
        }
        return n;
    }

    /** S_m = c_m (v, −v, V_b, −V_b) for the voltages v of layer m. */
    public double[] sending(int m, double[] v) {
        int n = size(m);
        if (v.length != n) {
            throw new IllegalArgumentException("layer " + m + " has " + n + " nodes, got " + v.length + " voltages");
        }
        double c = gain(m);
        double[] s = new double[2 * n + 2];
        for (int i = 0; i < n; i++) {
            s[i] = c * v[i];
            s[n + i] = -c * v[i];
        }
        s[2 * n] = c * biasVoltage;
        s[2 * n + 1] = -c * biasVoltage;
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CircuitTopology t && inputs == t.inputs && Arrays.equals(hidden, t.hidden)
                && classes == t.classes && inputGain == t.inputGain && amplifierGain == t.amplifierGain
                && biasVoltage == t.biasVoltage && diode.equals(t.diode);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * inputs + Arrays.hashCode(hidden)) + classes;
    }

    @Override
    public String toString() {
        return "CircuitTopology[" + inputs + "-" + Arrays.toString(hidden) + "-2x" + classes + ", inputGain="
                + inputGain + ", amplifierGain=" + amplifierGain + ", biasVoltage=" + biasVoltage + ", " + diode + "]";
    }
}
