/**
 * Training EqProp networks in DL4J: the trainer that gives each block the papers' recomputed nudging force, Continual
 * EqProp, a learning-rate schedule and training listeners.
 * <pre>
 *   nudged phase (EqPropNetwork):  s_{t+1} = σ(∂Φ/∂s(θ, x, s_t) − β ∂C/∂s_N(s_t))       (force recomputed every step)
 *   C-EP (Ernoult et al. 2020):    θ_{t+1} = θ_t + (η/β) (∂Φ/∂θ(x, s_{t+1}, θ_t) − ∂Φ/∂θ(x, s_t, θ_t))
 *   cosine annealing:              η(t) = η_min + ½ (η_max − η_min)(1 + cos(π t / T_max))
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.training.EqPropNetwork}: a {@code MultiLayerNetwork} whose training step installs the
 *       state-dependent force −β ∂C/∂s_N(s_t) (Ernoult et al. 2019; Laborieux et al. 2021); everything else is
 *       DL4J;</li>
 *   <li>{@link org.eqprop.training.GddCheck}: the "gradient descending dynamics" comparison of Ernoult et al. 2019
 *       (Theorem 1): EqProp's nudged-phase updates, one-sided, symmetric and optionally C-EP, against BPTT step by
 *       step;</li>
 *   <li>{@link org.eqprop.training.ContinualEqProp}: C-EP, and C-VF for vector-field blocks, with plain SGD and one
 *       rate per interaction;</li>
 *   <li>{@link org.eqprop.training.CosineAnnealingSchedule}: Loshchilov &amp; Hutter 2017, as Laborieux et al. 2021
 *       use it;</li>
 *   <li>{@link org.eqprop.training.FreePhaseAccuracy}: the papers' train error, from the free phase;</li>
 *   <li>{@link org.eqprop.training.EqPropFileModelSaver}, {@link org.eqprop.training.EqPropFileGraphSaver}: DL4J's
 *       early-stopping file savers, giving EqProp trainers back;</li>
 *   <li>{@link org.eqprop.training.DivergenceGuard}, {@link org.eqprop.training.DivergenceSettings},
 *       {@link org.eqprop.training.DivergenceException}: stop a run whose loss or parameters diverge.</li>
 * </ul>
 */
package org.eqprop.training;
