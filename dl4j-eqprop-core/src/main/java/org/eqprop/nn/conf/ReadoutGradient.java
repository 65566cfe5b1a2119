package org.eqprop.nn.conf;

/**
 * Where the gradient of a readout layer that follows a block (an {@code OutputLayer} with parameters, the papers'
 * softmax readout) is taken. {@code free}: at the free fixed point s^0, ∂L(s^0)/∂θ_r, the exact gradient of the loss
 * (DL4J's backpropagation; the default). {@code nudged}: the convention of the published EqProp code (Laborieux et
 * al. 2021), which differentiates −(Φ(s^a) − β_a L(s^a) − Φ(s^b) + β_b L(s^b))/(β_a − β_b) in θ_r, that is
 * (β_a ∂L(s^a)/∂θ_r − β_b ∂L(s^b)/∂θ_r)/(β_a − β_b) over the estimator's two equilibria: the mean of the two
 * nudged states' gradients for the symmetric estimator, the nudged state's for the one-sided one. Use it to compare
 * a run with that code step for step.
 */
public enum ReadoutGradient implements org.eqprop.util.Named {
    FREE, NUDGED;
}
