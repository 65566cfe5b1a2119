/**
 * DL4J runtime layers of the configurations in {@code org.eqprop.nn.conf}: {@code activate} runs the free phase and
 * {@code backpropGradient(ε)} runs the nudged phase(s) and hands DL4J the EqProp estimate as its gradient (summed over
 * the batch), so that DL4J's updater step θ ← θ − η g performs the learning rule.
 * <pre>
 *   free phase:     s^0 = σ(∂Φ/∂s(θ, x, s^0)),   output s_N^0
 *   nudged phases:  force −β ε, ε = ∂L/∂s_N^0 from the next layer (held; thesis ch. 2 fn. 1) unless a trainer
 *                   installs a recomputed one
 *   gradient:       ∇θL ≈ scale · (∂Φ/∂θ(s^a) − ∂Φ/∂θ(s^b))
 *   resistive:      ∂L/∂g_ij ≈ ((ΔV_ij^β)² − (ΔV_ij^{−β})²) / (4β)   (thesis Theorem 4.2)
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.nn.layers.EqPropBlockLayer}: the relaxing block, trained by the configured estimator or by
 *       backpropagation through time;</li>
 *   <li>{@link org.eqprop.nn.layers.ResistiveBlockLayer}: the resistive network as a DL4J output layer (steady states
 *       in double precision, score eq. 4.15);</li>
 *   <li>{@link org.eqprop.nn.layers.DirectedGraphLayer}: DirEcted EqProp (Farinha et al. 2020), handing DL4J minus the
 *       rule's update;</li>
 *   <li>{@code FlatArrays}: bulk copies between flat parameter views and {@code double[]}.</li>
 * </ul>
 */
package org.eqprop.nn.layers;
