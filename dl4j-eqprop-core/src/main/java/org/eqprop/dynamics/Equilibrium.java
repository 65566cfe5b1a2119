package org.eqprop.dynamics;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The end of a relaxation phase: the states s_1..s_N ([batch, width_k] each, or feature maps), how many steps were
 * used, and the last residual ‖s_t − s_{t−1}‖∞. {@code converged} is false only when a tolerance was set and not
 * reached.
 *
 * <p>A phase that ran on an accelerator and left its states there ({@link ResidentIteration}) is an equilibrium
 * whose output s_N is on the host and whose other states are copied from the device only when {@link #states()} is
 * first called; {@link #location()} then names where they live, so that the engine that made it can use them
 * without a copy.
 */
public final class Equilibrium {

    private final int steps;
    private final double residual;
    private final boolean converged;
    private final INDArray output;
    private final Object location;
    private Supplier<INDArray[]> source;
    private INDArray[] states;

    public Equilibrium(INDArray[] states, int steps, double residual, boolean converged) {
        this.states = Objects.requireNonNull(states, "states");
        this.steps = steps;
        this.residual = residual;
        this.converged = converged;
        this.output = null;
        this.location = null;
    }

    private Equilibrium(Supplier<INDArray[]> source, INDArray output, Object location, int steps, double residual,
                        boolean converged) {
        this.source = source;
        this.output = output;
        this.location = location;
        this.steps = steps;
        this.residual = residual;
        this.converged = converged;
    }

    /**
     * An equilibrium whose states stay on a device: {@code output} is s_N as [batch, units] (or null: then it is
     * read with the states), {@code states} copies all of them to the host when first asked, {@code location} is
     * the engine's handle of them.
     */
    public static Equilibrium resident(Supplier<INDArray[]> states, INDArray output, Object location, int steps,
                                       double residual, boolean converged) {
        return new Equilibrium(Objects.requireNonNull(states, "states"), output,
                Objects.requireNonNull(location, "location"), steps, residual, converged);
    }

    /** The states s_1..s_N (copied from the device on first use for a resident equilibrium). */
    public synchronized INDArray[] states() {
        if (states == null) {
            states = source.get();
            source = null;
        }
        return states;
    }

    public int steps() {
        return steps;
    }

    public double residual() {
        return residual;
    }

    public boolean converged() {
        return converged;
    }

    /** The engine's handle of device-resident states, or null for states on the host. */
    public Object location() {
        return location;
    }

    /** The output layer's state s_N as [batch, units] (a feature map is flattened in NCHW order). */
    public INDArray output() {
        if (output != null) {
            return output;
        }
        INDArray[] s = states();
        return org.eqprop.layers.States.rows(s[s.length - 1]);
    }

    @Override
    public String toString() {
        return "Equilibrium[" + steps + " steps, residual " + residual + (converged ? ", converged" : "")
                + (location != null ? ", on " + location : "") + "]";
    }
}
