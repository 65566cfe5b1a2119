/**
 * Spiking (binary-communication) EqProp after O'Connor et al. 2019: the neurons of a dense chain send only bits,
 * decoded by their neighbours and integrated with an annealed step size, so that the relaxation converges to the
 * fixed points of the continuous network; the weight update contrasts the states at the end of the phases (eq. 4).
 * <pre>
 *   u_j^t = Σ_i w_ij q_i^{t−1},   v_j^t = dec(u_j^t),   x_j^t = ρ'(s_j^{t−1}) (v_j^t + b_j) − β ∂C/∂s_j
 *   s_j^t = clip((1 − ε_j^t) s_j^{t−1} + ε_j^t x_j^t, 0, 1),   ε_j^t = anneal(x_j^t),   q_j^t = enc(ρ(s_j^t))   (eq. 6)
 *   sigma-delta (eq. 12):  φ' = φ^{t−1} + x^t,  q^t = [φ' &gt; ½],  φ^t = φ' − q^t
 *   stochastic (eq. 9):    q^t ~ Bernoulli(clip(x^t, 0, 1))
 *   predictive (eqs. 13, 14):  a^t = (x^t − (1 − λ_t) x^{t−1}) / λ_t,   v^t = (1 − λ) v^{t−1} + λ u^t
 *   schedule (eq. 8):      c_t = c_0 / t^η
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.spiking.SpikingRelaxation}: the event-driven relaxation (cost proportional to the bits that
 *       change), batch split over the cores; {@link org.eqprop.spiking.SpikingState}: what it carries between
 *       steps;</li>
 *   <li>{@link org.eqprop.spiking.Encoder}: {@link org.eqprop.spiking.SigmaDeltaEncoder},
 *       {@link org.eqprop.spiking.StochasticEncoder}, {@link org.eqprop.spiking.PredictiveEncoder};</li>
 *   <li>{@link org.eqprop.spiking.Decoder}: {@link org.eqprop.spiking.IdentityDecoder} (eq. 10),
 *       {@link org.eqprop.spiking.PredictiveDecoder};</li>
 *   <li>{@link org.eqprop.spiking.StepSizeAnnealer}: {@link org.eqprop.spiking.ScheduledStepSize} and
 *       {@link org.eqprop.spiking.OptimalStepSize} (George &amp; Powell 2006);
 *       {@link org.eqprop.spiking.PowerSchedule};</li>
 *   <li>{@link org.eqprop.spiking.SpikingSettings}: the block's quantiser, predictive coding and annealer;</li>
 *   <li>{@link org.eqprop.spiking.SpikeCounter}: spikes per neuron per step;
 *       {@link org.eqprop.spiking.SpikingConvergence}: the convergence experiment of §4 (Fig. 2).</li>
 * </ul>
 */
package org.eqprop.spiking;
