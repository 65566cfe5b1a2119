/**
 * Costs C(s_N, y) and the nudging forces they exert on the output layer during a nudged phase: the nudged system
 * minimises E + βC (Scellier thesis eq. 2.6), so the output drive gains
 * <pre>
 *   u_N += −β ∂C/∂s_N
 *   squared error:    C = (c/2) ‖s_N − y‖²,                   −β ∂C/∂s_N = −β c (s_N − y)
 *   softmax readout:  o = softmax(s_N W_out + b_out),  C = −Σ y log o,   −β ∂C/∂s_N = β (y − o) W_outᵀ
 *   held force:       −β ε,  ε = ∂L/∂s_N at the free fixed point (thesis ch. 2, footnote 1)
 * </pre>
 * {@link org.eqprop.costs.NudgingForce} is the contract (with a holomorphic extension to complex s and β for
 * Laborieux &amp; Zenke 2022); {@link org.eqprop.costs.Costs#forOutputLayer} picks the force for the DL4J layer that
 * follows an EqProp block.
 * <ul>
 *   <li>{@link org.eqprop.costs.SquaredErrorForce}, {@link org.eqprop.costs.SoftmaxReadoutForce},
 *       {@link org.eqprop.costs.HeldForce}: the forces above, recomputed from the state or held;</li>
 *   <li>{@link org.eqprop.costs.OutputLayerForce}: any other DL4J output layer, asked for ε(s_N) at every step;</li>
 *   <li>{@link org.eqprop.costs.DoubledForce}: +β on the first half of a batch stacked [x; x], −β on the second, so
 *       the symmetric estimator's two nudged phases relax as one;</li>
 *   <li>{@link org.eqprop.costs.FusableForce}, {@link org.eqprop.costs.FusedForce}: float kernels of a force for the
 *       fused CPU engine;</li>
 *   <li>{@link org.eqprop.costs.HalfSquaredError}: DL4J's L2 loss halved, C = ½ Σ_j (s_j − y_j)², so ε = s_N − y.</li>
 * </ul>
 */
package org.eqprop.costs;
