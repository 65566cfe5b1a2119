/**
 * Nonlinear resistive networks trained by Equilibrium Propagation (Kendall et al. 2020; Scellier thesis ch. 4): the
 * layered circuit of §4.4 with programmable conductances g ≥ 0, diode nonlinearities and bidirectional amplifiers,
 * its steady state (Kirchhoff's current law at every floating node, the stationary point of the co-content), and the
 * conductance gradient of Theorem 4.2 from the voltage drops alone.
 * <pre>
 *   co-content:  E(V) = Σ_m Σ_ij ½ G_m[i,j] (S_m,i − V_{m+1,j})² + Σ_hidden ∫ I_D dV,
 *                S_m = c_m (V_m, −V_m, V_b, −V_b)   (sending voltages)
 *   KCL:         Σ_i g_ij (S_i − V_j) = I_D(V_j),   I_D(V) = g_D (V − high)⁺ − g_D (low − V)⁺
 *   cost:        C = ½ Σ_k (Ŷ⁺_k − Ŷ⁻_k − Y_k)²   (eq. 4.15),   nudging currents I_k = −β ∂C/∂Ŷ_k   (eq. 4.16)
 *   gradient:    ∂L/∂g_ij ≈ ((ΔV_ij^{+β})² − (ΔV_ij^{−β})²) / (4β),   ΔV_ij = S_i − V_j   (Theorem 4.2)
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.resistive.CircuitTopology}: input sources, hidden diode layers, output pairs Ŷ⁺, Ŷ⁻;
 *       prediction argmax_k (Ŷ⁺_k − Ŷ⁻_k) (eq. 4.14);</li>
 *   <li>{@link org.eqprop.resistive.ResistiveNetwork}: the conductances, the co-content and the KCL residual;</li>
 *   <li>{@link org.eqprop.resistive.Diode}: two antiparallel biased diodes to ground (§4.4.1), ideal or with a finite
 *       on-conductance;</li>
 *   <li>{@link org.eqprop.resistive.PairedSquaredError}: the cost of eq. 4.15 and its nudging currents;</li>
 *   <li>{@link org.eqprop.resistive.SteadyStateSolver}: block coordinate descent on the co-content, layer by layer in
 *       closed form (Scellier et al. 2024), optionally with thermal noise of temperature T;</li>
 *   <li>{@link org.eqprop.resistive.SteadyState}, {@link org.eqprop.resistive.SolverStats}: a batch's node voltages,
 *       and sweep and KCL-residual statistics;</li>
 *   <li>{@link org.eqprop.resistive.ConductanceGradient}: Theorem 4.2's estimate, summed over the batch.</li>
 * </ul>
 */
package org.eqprop.resistive;
