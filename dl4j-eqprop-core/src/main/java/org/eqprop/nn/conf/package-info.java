/**
 * DL4J layer configurations (JSON-serialisable builders) of the networks trained by Equilibrium Propagation, to be
 * placed in an ordinary {@code MultiLayerConfiguration}; their runtimes are in {@code org.eqprop.nn.layers}.
 * <ul>
 *   <li>{@link org.eqprop.nn.conf.EqPropBlock}: relaxing dense (or convolutional, {@link org.eqprop.nn.conf.ConvSpec})
 *       state layers s_1..s_N with their activation, dynamics, engine, step budgets, β and gradient estimator
 *       (symmetric, one-sided, random-sign, holomorphic, oscillating, Langevin, or the BPTT / RBP baselines),
 *       optional vector-field feedback or spiking neurons; followed by a DL4J output layer that defines the cost;</li>
 *   <li>its settings, immutable records with every default in {@code DEFAULTS}: {@link
 *       org.eqprop.nn.conf.RelaxationSettings} (σ, step rule, T, K, tolerance, update order, engine: how s* is
 *       reached) and {@link org.eqprop.nn.conf.EstimationSettings} ({@link org.eqprop.nn.conf.GradientMethod} eqprop,
 *       bptt or rbp; β, the estimator, the nudging force, the {@link org.eqprop.nn.conf.ReadoutGradient} convention:
 *       how ∇θL is formed);</li>
 *   <li>{@link org.eqprop.nn.conf.ConvSpec}: one convolutional state layer,
 *       h_k = σ(P(w_k ⋆ h_{k−1}) + b_k + feedback);</li>
 *   <li>{@link org.eqprop.nn.conf.ResistiveBlock}: a nonlinear resistive network (Kendall et al. 2020; Scellier thesis
 *       ch. 4) as a DL4J output layer, with conductances as parameters;</li>
 *   <li>{@link org.eqprop.nn.conf.ConductanceConstraint}: projection of conductances onto [minimum, maximum]
 *       (minimum ≥ 0) and optional rounding to device levels minimum + k·quantum;</li>
 *   <li>{@link org.eqprop.nn.conf.DirectedGraphBlock}: a DirEcted Equilibrium Propagation layer (Farinha et al.
 *       2020);</li>
 *   <li>{@code LayerWiring}: the common wiring of a new runtime layer.</li>
 * </ul>
 * <pre>
 *   EqPropBlock:     Φ = Σ_k s_kᵀ W_k s_{k−1} + b_kᵀ s_k,   output s_N* with s* = σ(∂Φ/∂s(θ, x, s*))
 *   ResistiveBlock:  output Ŷ⁺ − Ŷ⁻ (thesis eq. 4.14), cost eq. 4.15, nudging currents eq. 4.16
 * </pre>
 */
package org.eqprop.nn.conf;
