package org.eqprop.nn.conf;

/**
 * How a block's gradient is computed. {@code eqprop}: from nudged phases, combined by an EqProp estimator
 * ({@link org.eqprop.estimators.GradientEstimator.Kind}); {@code bptt}: backpropagation through the unrolled free
 * phase (the baseline EqProp is compared with; memory grows with T); {@code rbp}: recurrent backpropagation
 * (Almeida–Pineda) at the free fixed point, whose adjoint relaxation runs nudgedSteps iterations.
 */
public enum GradientMethod implements org.eqprop.util.Named {
    EQPROP, BPTT, RBP;

    /** True for the two backpropagation baselines, which differentiate the synchronous fixed-point dynamics. */
    public boolean backpropagates() {
        return this != EQPROP;
    }
}
