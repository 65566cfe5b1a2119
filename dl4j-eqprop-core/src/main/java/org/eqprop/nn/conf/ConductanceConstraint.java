package org.eqprop.nn.conf;

import org.deeplearning4j.nn.conf.constraint.BaseConstraint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashSet;
import java.util.Set;

/**
 * The device limits of programmable conductances, applied by DL4J after every update step: projection onto
 * [minimum, maximum] (minimum ≥ 0: a conductance is never negative, Scellier thesis §4.3) and, when
 * {@code quantum} &gt; 0, rounding to the device's levels minimum + k·quantum (update quantisation).
 */
public class ConductanceConstraint extends BaseConstraint {

    private double minimum;
    private double maximum = Double.MAX_VALUE;
    private double quantum;

    /** For JSON. */
    public ConductanceConstraint() {
    }

    public ConductanceConstraint(double minimum, double maximum, double quantum, Set<String> params) {
        super(new HashSet<>(params));
        if (!(minimum >= 0) || !(maximum >= minimum) || Double.isInfinite(maximum)) {
            throw new IllegalArgumentException("ConductanceConstraint: need 0 <= minimum <= maximum < infinity, got "
                    + "minimum=" + minimum + ", maximum=" + maximum);
        }
        if (!(quantum >= 0) || Double.isInfinite(quantum)) {
            throw new IllegalArgumentException("ConductanceConstraint: quantum must be finite and >= 0, got "
                    + quantum);
        }
        this.minimum = minimum;
        this.maximum = maximum;
        this.quantum = quantum;
    }

    /** Applies the constraint once to each constrained parameter (DL4J's BaseConstraint applies it twice). */
    @Override
    public void applyConstraint(org.deeplearning4j.nn.api.Layer layer, int iteration, int epoch) {
        java.util.Map<String, INDArray> table = layer.paramTable();
        if (table != null) {
            table.forEach((key, value) -> {
                if (getParams().contains(key)) {
                    apply(value);
                }
            });
        }
    }

    @Override
    public void apply(INDArray param) {
        if (quantum > 0) {
            param.subi(minimum).divi(quantum);
            Transforms.round(param, false);
            param.muli(quantum).addi(minimum);
        }
        Transforms.min(Transforms.max(param, minimum, false), maximum, false);
    }

    @Override
    public ConductanceConstraint clone() {
        return new ConductanceConstraint(minimum, maximum, quantum, getParams());
    }

    public double getMinimum() {
        return minimum;
    }

    public void setMinimum(double minimum) {
        this.minimum = minimum;
    }

    public double getMaximum() {
        return maximum;
    }

    public void setMaximum(double maximum) {
        this.maximum = maximum;
    }

    public double getQuantum() {
        return quantum;
    }

    public void setQuantum(double quantum) {
        this.quantum = quantum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConductanceConstraint c && minimum == c.minimum && maximum == c.maximum
                && quantum == c.quantum && getParams().equals(c.getParams());
    }

    @Override
    public int hashCode() {
        return Double.hashCode(minimum) * 31 + Double.hashCode(quantum);
    }
}
