/**
 * DirEcted Equilibrium Propagation (DEEP; Farinha, Pequito, Santos &amp; Figueiredo, ESANN 2020): EqProp-style
 * learning on a directed graph of neurons with asymmetric weights W_ij (from i to j), the first P neurons clamped
 * inputs and the last O outputs. The dynamics (eq. 1), integrated with step dt and clipped to [0, 1], and the
 * learning rule (eq. 2) accumulated along the nudged trajectory:
 * <pre>
 *   ṡ_j = Σ_i W_ij s_i + b_j − s_j Σ_i W_ji − β ∂C/∂s_j · 1[j output],   C = ½ Σ_{j output} (s_j − y_j)²
 *   ΔW_ij = η / (β M_β) Σ_{m = M_0+1}^{M_0+M_β} s_i(m) (s_j(m) − s_j(m−1))
 * </pre>
 * (M_0 free steps, then M_β nudged ones), or as the baseline the one-step asymmetric rule
 * ΔW_ij = η/β · s_i^0 (s_j^β − s_j^0) (Scellier et al. 2018). Sparsity (eq. 3): an l1 penalty and stochastic pruning
 * of connections with |W_ij| &lt; λ.
 * <ul>
 *   <li>{@link org.eqprop.graph.DirectedGraph}: the network and its dynamics, on plain double arrays (small
 *       graphs);</li>
 *   <li>{@link org.eqprop.graph.DeepTrainer}: the free and nudged phases, the learning rule, l1 and pruning;</li>
 *   <li>{@link org.eqprop.graph.BatchedDirectedGraph}: the same dynamics and rule in matrix form over ND4J arrays,
 *       for a minibatch of a large masked graph.</li>
 * </ul>
 */
package org.eqprop.graph;
