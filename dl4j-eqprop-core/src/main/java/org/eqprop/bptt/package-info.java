/**
 * Backpropagation baselines for EqProp: gradients computed by differentiating the relaxation itself, against which
 * the EqProp estimates are checked (Ernoult et al. 2019; Scellier &amp; Bengio 2018). Only the fixed-point dynamics
 * s_{t+1} = σ(u_t), u_t = ∂Φ/∂s(θ, x, s_t) are supported.
 *
 * <ul>
 *   <li>{@link org.eqprop.bptt.BackpropThroughTime}: (truncated) BPTT on the unrolled free dynamics, through each
 *       interaction's vector-Jacobian products;</li>
 *   <li>{@link org.eqprop.bptt.Trajectory}: the kept states and drives, memory linear in the number of steps K;</li>
 *   <li>{@link org.eqprop.bptt.BpttGradient}: ∂L/∂θ per interaction, ∂L/∂x, and optional per-step series;</li>
 *   <li>{@link org.eqprop.bptt.RecurrentBackprop}: recurrent backpropagation (Almeida 1987, Pineda 1987) at the
 *       fixed point, in constant memory.</li>
 * </ul>
 * The step-by-step comparison with EqProp (GDD, below) is {@code org.eqprop.training.GddCheck}.
 * <pre>
 *   BPTT, L = C(s_T):  g_T = ∂C/∂s_T,  δ_t = g_{t+1} ⊙ σ'(u_t),  g_t = (∂u/∂s)ᵀ δ_t,  ∂L/∂θ += (∂u/∂θ)ᵀ δ_t
 *   RBP:               ē_{t+1} = ∂C/∂s* + (∂u/∂s)ᵀ (σ'(u*) ⊙ ē_t),  ∂L/∂θ ≈ (∂u/∂θ)ᵀ (σ'(u*) ⊙ ē_K)
 *   GDD:               Δs(t) = (s^β_{t+1} − s^β_t)/β  →  −σ'(u*) ⊙ ∂L/∂s_{T−t},
 *                      Δθ(t) = (∂Φ/∂θ(s^β_{t+1}) − ∂Φ/∂θ(s^β_t))/β  →  −∂L/∂θ_{T−t}   as β → 0
 * </pre>
 */
package org.eqprop.bptt;
