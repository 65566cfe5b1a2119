package org.eqprop.dynamics;

import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A layered relaxing system: the clamped input x = s_0, state layers s_1..s_N and interactions Φ_k(s_{k−1}, s_k),
 * with primitive function Φ = Σ_k Φ_k. It computes the drives ∂Φ/∂s_k that the {@link Dynamics} turn into steps,
 * Φ itself, and the EqProp contrast ∂Φ/∂θ(a) − ∂Φ/∂θ(b) between two equilibria.
 *
 * <p>The input only enters through Φ_1, so ∂Φ/∂s_1 has a constant part ∂Φ_1/∂s_1(x) (W_1 x + b_1 for a dense
 * interaction): {@link #inputDrive} computes it once per batch and every step of every phase reuses it.
 */
public final class EnergyChain {

    private final List<Interaction> interactions;
    private final long[][] shapes;
    private final int[] widths;
    private final StateActivation activation;
    private final Dynamics dynamics;

    /**
     * @param interactions interaction k couples state k−1 (the input for k = 0) to state k
     * @param widths       the width of each (dense) state layer
     */
    public EnergyChain(List<Interaction> interactions, int[] widths, StateActivation activation, Dynamics dynamics) {
        this(interactions, java.util.Arrays.stream(widths).mapToObj(w -> new long[]{w}).toArray(long[][]::new),
                activation, dynamics);
    }

    /**
     * @param interactions interaction k couples state k−1 (the input for k = 0) to state k
     * @param shapes       the shape of one example of each state layer: {width} for a dense layer, {channels,
     *                     height, width} for a feature map
     */
    public EnergyChain(List<Interaction> interactions, long[][] shapes, StateActivation activation,
                       Dynamics dynamics) {
        if (interactions.size() != shapes.length || shapes.length == 0) {
            throw new IllegalArgumentException("need one interaction per state layer, got " + interactions.size()
                    + " interactions for " + shapes.length + " layers");
        }
        this.interactions = List.copyOf(interactions);
        this.shapes = new long[shapes.length][];
        this.widths = new int[shapes.length];
        for (int k = 0; k < shapes.length; k++) {
            this.shapes[k] = shapes[k].clone();
            long w = 1;
            for (long d : shapes[k]) {
                w *= d;
            }
            this.widths[k] = Math.toIntExact(w);
        }
        this.activation = activation;
        this.dynamics = dynamics;
    }

    /** The same system over copies of every parameter (to experiment without touching a network). */
    public EnergyChain copy() {
        return new EnergyChain(interactions.stream().map(Interaction::copy).toList(), shapes, activation, dynamics);
    }

    /** The shape of state layer k for a batch: [batch, width] or [batch, channels, height, width]. */
    public long[] shape(int layer, long batch) {
        long[] s = new long[shapes[layer].length + 1];
        s[0] = batch;
        System.arraycopy(shapes[layer], 0, s, 1, shapes[layer].length);
        return s;
    }

    public int depth() {
        return widths.length;
    }

    /** The number of units of state layer k (per example). */
    public int width(int layer) {
        return widths[layer];
    }

    public Interaction interaction(int k) {
        return interactions.get(k);
    }

    public StateActivation activation() {
        return activation;
    }

    public Dynamics dynamics() {
        return dynamics;
    }

    /** True when every state layer is a vector (not a feature map). */
    public boolean isFlat() {
        return java.util.Arrays.stream(shapes).allMatch(sh -> sh.length == 1);
    }

    /** True when every interaction is dense (what the fused CPU engine runs). */
    public boolean isDense() {
        return interactions.stream().allMatch(Interaction::isDense);
    }

    /**
     * Holds every interaction's parameters fixed until the handle is closed ({@link Interaction#holdParameters()}):
     * a relaxation phase, during which θ does not change.
     */
    public Interaction.Held holdParameters() {
        List<Interaction.Held> held = new java.util.ArrayList<>();
        for (Interaction i : interactions) {
            held.add(i.holdParameters());
        }
        return new Interaction.Held() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    held.forEach(Interaction.Held::close);
                }
            }
        };
    }

    /** ∂Φ_1/∂s_1(x): the constant part of the first layer's drive. */
    public INDArray inputDrive(INDArray x) {
        INDArray drive = Nd4j.zeros(x.dataType(), shape(0, x.size(0)));
        interactions.get(0).addUpwardDrive(x, drive);
        return drive;
    }

    /** All-zero states for a batch: the usual start of a free phase. */
    public INDArray[] zeroStates(long batch, org.nd4j.linalg.api.buffer.DataType dataType) {
        INDArray[] s = new INDArray[widths.length];
        for (int k = 0; k < s.length; k++) {
            s[k] = Nd4j.zeros(dataType, shape(k, batch));
        }
        return s;
    }

    /** drives[k] := ∂Φ/∂s_k at states s (new arrays). */
    public void drives(INDArray inputDrive, INDArray[] s, INDArray[] drives) {
        int n = widths.length;
        drives[0] = inputDrive.dup();
        for (int k = 1; k < n; k++) {
            drives[k] = Nd4j.zeros(s[k].dataType(), shape(k, s[k].size(0)));
        }
        // interaction k couples s_{k−1} and s_k: its upward drive to s_k, its feedback to s_{k−1}
        for (int k = 1; k < n; k++) {
            interactions.get(k).addDrives(s[k - 1], s[k], drives[k - 1], drives[k]);
        }
    }

    /**
     * drives[k] := ∂Φ/∂s_k at states s for the layers k ≡ parity (mod 2) only (new arrays; the others are left
     * null): one half-step of the alternating order.
     */
    public void drives(INDArray inputDrive, INDArray[] s, INDArray[] drives, int parity) {
        int n = widths.length;
        for (int k = 0; k < n; k++) {
            drives[k] = k % 2 != parity ? null
                    : k == 0 ? inputDrive.dup() : Nd4j.zeros(s[k].dataType(), shape(k, s[k].size(0)));
        }
        for (int k = 1; k < n; k++) {
            if (k % 2 == parity) {
                interactions.get(k).addUpwardDrive(s[k - 1], drives[k]);
            } else {
                interactions.get(k).addDownwardDrive(s[k - 1], s[k], drives[k - 1]);
            }
        }
    }

    /** Φ(x, s) summed over the batch. */
    public double primitiveFunction(INDArray x, INDArray[] s) {
        double phi = 0;
        for (int k = 0; k < widths.length; k++) {
            phi += interactions.get(k).primitiveFunction(k == 0 ? x : s[k - 1], s[k]);
        }
        return phi;
    }

    /** Writes scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) into each interaction's gradient views. */
    public void writeContrastGradient(INDArray x, INDArray[] a, INDArray[] b, double scale, INDArray[][] views) {
        for (int k = 0; k < widths.length; k++) {
            INDArray lowerA = k == 0 ? x : a[k - 1];
            INDArray lowerB = k == 0 ? x : b[k - 1];
            interactions.get(k).writeContrastGradient(lowerA, a[k], lowerB, b[k], scale, views[k]);
        }
    }

    /** scale · (∂Φ/∂x(a) − ∂Φ/∂x(b)): the EqProp estimate of the loss gradient with respect to the input. */
    public INDArray inputContrast(INDArray x, INDArray[] a, INDArray[] b, double scale) {
        INDArray eps = Nd4j.zeros(x.dataType(), x.shape());
        interactions.get(0).addDownwardDrive(x, a[0].sub(b[0]).muli(scale), eps);
        return eps;
    }
}
