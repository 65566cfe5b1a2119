/**
 * The relaxation of an EqProp network to its equilibria: the layered system, the update rules, and the engines that
 * run a free phase (β = 0) or a nudged phase (β ≠ 0) of
 * <pre>
 *   s_{t+1} = rule(s_t, u_t),   u_t = ∂Φ/∂s(θ, x, s_t) − β ∂C/∂s(s_t),   Φ = Σ_k Φ_k(s_{k−1}, s_k),  s_0 = x
 *   fixed point (Ernoult et al. 2019):   s_{t+1} = σ(u_t)
 *   Euler (thesis eq. 3.25):             s_{t+1} = clip(s_t + ε (u_t − s_t), 0, 1),   E(s) = ½‖s‖² − Φ(s)
 *   over-relaxation (projected SOR):     s_{t+1} = clip(s_t + ω (a u_t − s_t), 0, 1),  0 &lt; ω &lt; 2
 *   Langevin (thesis ch. 6):             s_{t+1} = clip(s_t + ε (u_t − s_t) + √(2εT) ξ_t, 0, 1),  ξ_t ~ N(0, I)
 * </pre>
 * All rules share the fixed points s* = σ(∂Φ/∂s(s*)).
 * <ul>
 *   <li>{@link org.eqprop.dynamics.EnergyChain}: layers, interactions, drives, Φ and the contrast
 *       ∂Φ/∂θ(a) − ∂Φ/∂θ(b);</li>
 *   <li>{@link org.eqprop.dynamics.Dynamics}: the rules {@link org.eqprop.dynamics.FixedPointDynamics},
 *       {@link org.eqprop.dynamics.EulerDynamics}, {@link org.eqprop.dynamics.OverRelaxedDynamics},
 *       {@link org.eqprop.dynamics.LangevinDynamics};</li>
 *   <li>{@link org.eqprop.dynamics.RelaxationEngine}: {@link org.eqprop.dynamics.ReferenceRelaxation} (ND4J ops, the
 *       definition), the fused CPU engine of {@code org.eqprop.dynamics.fused} and
 *       {@link org.eqprop.dynamics.AcceleratedEngine}s, chosen by {@link org.eqprop.engines.EngineChoice};</li>
 *   <li>{@link org.eqprop.dynamics.RelaxationControl}: step budget, tolerance on ‖s_{t+1} − s_t‖∞, synchronous or
 *       alternating (even/odd) layer order; {@link org.eqprop.dynamics.Equilibrium}: a phase's result;</li>
 *   <li>{@link org.eqprop.dynamics.ComplexRelaxation}, {@link org.eqprop.dynamics.ComplexEquilibrium}: complex states
 *       at a complex β for holomorphic EqProp (Laborieux &amp; Zenke 2022);</li>
 *   <li>{@link org.eqprop.dynamics.DoubledNudgedPhases}: the ±β phases as one relaxation of the batch stacked
 *       twice;</li>
 *   <li>{@link org.eqprop.dynamics.MirroredNudgedPhases}: the −β phase started from 2 s^0 − s^{+β}, first-order
 *       exact in β;</li>
 *   <li>{@link org.eqprop.dynamics.PersistentStates}: free phases restarted from each example's last fixed point
 *       (thesis §3.3.2);</li>
 *   <li>{@link org.eqprop.dynamics.ResidentIteration}: a block's iteration kept in accelerator memory;</li>
 *   <li>{@link org.eqprop.dynamics.RelaxationListener}, {@link org.eqprop.dynamics.PhaseReport},
 *       {@link org.eqprop.dynamics.RelaxationStats}: per-phase reports and counters.</li>
 * </ul>
 */
package org.eqprop.dynamics;
